"""Realistic ranges of the KPI data points, from which the sample cities' values are drawn.

Each range runs from a poorly performing to a well performing city, in the unit written next to
it (converted to the catalogue unit of the data point when they differ). The figures are
order-of-magnitude ranges from the U4SSC benchmarks, verification reports and the usual
international statistics (WHO air quality database, World Bank, OECD); they make the sample look
like real submissions, and are **not** targets or benchmarks of the assessment.

A data point missing from :data:`RANGES` (e.g. one added to the catalogue later) falls back to a
range chosen from its unit: 10-90 % for percentages, yes or no for yes/no answers, and the
magnitude of its inputs otherwise, so the generator stays in step with the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Range:
    """A realistic range: ``low`` and ``high`` in ``unit``; per inhabitant scaling if ``per_pop``.

    ``per_pop`` marks absolute counts that grow with the city: the range is then per 100,000
    inhabitants and is multiplied by the population / 100,000.
    """

    low: float
    high: float
    unit: str
    per_pop: bool = False


P: Final = "percent"
R100K: Final = "per_100k_inhabitants"

#: Realistic range of each data point of the bundled catalogue, by data point id.
RANGES: Final[dict[str, Range]] = {
    "household_internet_access": Range(40, 98, P),
    "fixed_broadband_subscriptions": Range(15, 95, P),
    "wireless_broadband_subscriptions": Range(30_000, 150_000, R100K),
    "wireless_broadband_coverage_3g": Range(70, 100, P),
    "wireless_broadband_coverage_4g": Range(35, 100, P),
    "availability_of_wifi_in_public_areas": Range(2, 120, "count", per_pop=True),
    "smart_water_meters": Range(0, 90, P),
    "water_supply_ict_monitoring": Range(10, 95, P),
    "drainage_storm_water_system_ict_monitoring": Range(5, 80, P),
    "smart_electricity_meters": Range(0, 99, P),
    "electricity_supply_ict_monitoring": Range(20, 100, P),
    "demand_response_penetration": Range(0, 30, P),
    "dynamic_public_transport_information": Range(5, 95, P),
    "traffic_monitoring": Range(10, 90, P),
    "intersection_control": Range(5, 70, P),
    "open_data_number": Range(20, 1_500, "count"),
    "open_data_percent": Range(5, 80, P),
    "e_government": Range(10, 400, "count"),
    "public_sector_e_procurement": Range(10, 100, P),
    "r_d_expenditure": Range(0.3, 4.5, P),
    "patents": Range(1, 150, R100K),
    "small_and_medium_sized_enterprises": Range(95, 99.8, P),
    "unemployment_rate": Range(3, 25, P),
    "youth_unemployment_rate": Range(6, 45, P),
    "tourism_sector_employment": Range(2, 15, P),
    "ict_sector_employment": Range(1, 8, P),
    "basic_water_supply": Range(70, 100, P),
    "potable_water_supply": Range(60, 100, P),
    "water_supply_loss": Range(5, 45, P),
    "wastewater_collection": Range(40, 100, P),
    "household_sanitation": Range(60, 100, P),
    "solid_waste_collection": Range(60, 100, P),
    "electricity_system_outage_frequency": Range(0.2, 15, "count"),
    "electricity_system_outage_time": Range(20, 600, "minute"),
    "access_to_electricity": Range(85, 100, P),
    "public_transport_network": Range(20, 250, "km * per_100k_inhabitants"),
    "public_transport_network_convenience": Range(40, 98, P),
    "bicycle_network": Range(5, 200, "km * per_100k_inhabitants"),
    "transportation_mode_share_private_vehicles": Range(20, 70, P),
    "transportation_mode_share_public_transport": Range(10, 50, P),
    "transportation_mode_share_walking": Range(5, 35, P),
    "transportation_mode_share_cycling": Range(0.5, 30, P),
    "transportation_mode_share_para_transport": Range(0, 10, P),
    "travel_time_index": Range(1.1, 1.8, "dimensionless"),
    "shared_bicycles": Range(0, 800, R100K),
    "shared_vehicles": Range(0, 150, R100K),
    "low_carbon_emission_passenger_vehicles": Range(0.5, 40, P),
    "public_building_sustainability": Range(1, 60, P),
    "integrated_building_management_systems_in_public_buildings": Range(5, 70, P),
    "pedestrian_infrastructure": Range(0.5, 10, P),
    "air_pollution_pm25": Range(5, 60, "ug/m**3"),
    "air_pollution_pm10": Range(12, 110, "ug/m**3"),
    "air_pollution_no2": Range(10, 60, "ug/m**3"),
    "air_pollution_so2": Range(2, 40, "ug/m**3"),
    "air_pollution_o3": Range(30, 110, "ug/m**3"),
    "ghg_emissions": Range(1.5, 15, "tCO2e / inhabitant"),
    "drinking_water_quality": Range(50, 100, P),
    "water_consumption": Range(40, 110, "m**3 / inhabitant"),
    "freshwater_consumption": Range(20, 100, P),
    "wastewater_treatment_primary": Range(50, 100, P),
    "wastewater_treatment_secondary": Range(30, 95, P),
    "wastewater_treatment_tertiary": Range(5, 60, P),
    "solid_waste_treatment_landfill": Range(5, 70, P),
    "solid_waste_treatment_burnt": Range(0, 10, P),
    "solid_waste_treatment_incinerated": Range(0, 50, P),
    "solid_waste_treatment_open_dump": Range(0, 20, P),
    "solid_waste_treatment_recycled": Range(5, 55, P),
    "solid_waste_treatment_other": Range(0, 10, P),
    "emf_exposure": Range(90, 100, P),
    "noise_exposure": Range(5, 40, P),
    "green_areas": Range(100, 600, "hectare * per_100k_inhabitants"),
    "green_area_accessibility": Range(40, 98, P),
    "protected_natural_areas": Range(1, 30, P),
    "recreational_facilities": Range(20_000, 300_000, "m**2 * per_100k_inhabitants"),
    "renewable_energy_consumption": Range(5, 70, P),
    "electricity_consumption": Range(1_000, 9_000, "kWh / inhabitant"),
    "residential_thermal_energy_consumption": Range(2, 25, "GJ / inhabitant"),
    "public_building_energy_consumption": Range(80, 350, "kWh / m**2"),
    "student_ict_access": Range(40, 100, P),
    "school_enrollment": Range(80, 100, P),
    "higher_education_degrees": Range(8_000, 40_000, "per_100k"),
    "adult_literacy": Range(80, 100, P),
    "electronic_health_records": Range(10, 100, P),
    "life_expectancy": Range(62, 84, "year"),
    "maternal_mortality_rate": Range(2, 300, "per_100k"),
    "physicians": Range(80, 500, R100K),
    "in_patient_hospital_beds": Range(150, 800, R100K),
    "health_insurance_public_health_coverage": Range(50, 100, P),
    "cultural_expenditure": Range(0.2, 3, P),
    "cultural_infrastructure": Range(3, 40, R100K),
    "informal_settlements": Range(0, 35, P),
    "housing_expenditure": Range(15, 45, P),
    "gender_income_equity": Range(0.65, 0.98, "dimensionless"),
    "gini_coefficient": Range(0.24, 0.55, "dimensionless"),
    "poverty": Range(2, 35, P),
    "voter_participation": Range(30, 80, P),
    "child_care_availability": Range(20, 95, P),
    "natural_disaster_related_deaths": Range(0, 3, R100K),
    "disaster_related_economic_losses": Range(0, 2, P),
    "population_living_in_disaster_prone_areas": Range(1, 40, P),
    "emergency_service_response_time": Range(5, 25, "minute"),
    "police_service": Range(150, 450, R100K),
    "fire_service": Range(30, 150, R100K),
    "violent_crime_rate": Range(50, 900, R100K),
    "traffic_fatalities": Range(1, 20, R100K),
    "local_food_production": Range(5, 60, P),
}

__all__ = ["RANGES", "Range"]
