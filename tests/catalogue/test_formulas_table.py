"""Every catalogue formula against a hand-computed value (one case per data point, 112)."""

from __future__ import annotations

import pytest

from citykpi.catalogue import evaluate, load_catalogue

POP = {"population": 200_000.0}
HH = {"households": 1_000.0}
LF = {"labour_force": 100_000.0}
TRIPS = {
    "trips_private_vehicles": 400.0,
    "trips_public_transport": 300.0,
    "trips_walking": 200.0,
    "trips_cycling": 80.0,
    "trips_para_transport": 20.0,
}  # 1,000 trips in all
WASTE = {
    "waste_landfilled": 500.0,
    "waste_burnt": 50.0,
    "waste_incinerated": 150.0,
    "waste_open_dump": 0.0,
    "waste_recycled": 250.0,
    "waste_other": 50.0,
}  # 1,000 tonnes in all
WW = {"wastewater_total": 1e7}
BLD = {"public_building_area": 400_000.0}

#: (data point id, input values, expected value worked out by hand)
CASES: list[tuple[str, dict[str, float], float]] = [
    # ---- Economy: ICT
    ("household_internet_access", {"households_with_internet": 450, **HH}, 45.0),
    ("fixed_broadband_subscriptions", {"fixed_broadband_subscriptions": 300, **HH}, 30.0),
    (
        "wireless_broadband_subscriptions",
        {"wireless_broadband_subscriptions": 160_000, **POP},
        80_000.0,
    ),
    ("wireless_broadband_coverage_3g", {"inhabitants_covered_3g": 196_000, **POP}, 98.0),
    ("wireless_broadband_coverage_4g", {"inhabitants_covered_4g": 180_000, **POP}, 90.0),
    ("availability_of_wifi_in_public_areas", {"public_wifi_hotspots": 42}, 42.0),
    ("smart_water_meters", {"smart_water_meters": 1_250, "water_meters": 5_000}, 25.0),
    (
        "water_supply_ict_monitoring",
        {"water_network_length_ict": 120, "water_network_length": 800},
        15.0,
    ),
    (
        "drainage_storm_water_system_ict_monitoring",
        {"drainage_length_ict": 30, "drainage_length": 600},
        5.0,
    ),
    (
        "smart_electricity_meters",
        {"smart_electricity_meters": 7_500, "electricity_meters": 10_000},
        75.0,
    ),
    (
        "electricity_supply_ict_monitoring",
        {"electricity_network_length_ict": 450, "electricity_network_length": 1_500},
        30.0,
    ),
    (
        "demand_response_penetration",
        {"electricity_customers_demand_response": 800, "electricity_customers": 40_000},
        2.0,
    ),
    (
        "dynamic_public_transport_information",
        {"pt_stops_dynamic_info": 330, "pt_stops": 1_100},
        30.0,
    ),
    ("traffic_monitoring", {"major_streets_length_ict": 45, "major_streets_length": 180}, 25.0),
    ("intersection_control", {"intersections_adaptive": 36, "intersections_signalised": 240}, 15.0),
    ("open_data_number", {"open_data_sets": 85}, 85.0),
    ("open_data_percent", {"open_data_sets": 85, "data_sets_inventoried": 340}, 25.0),
    ("e_government", {"e_government_services": 120}, 120.0),
    (
        "public_sector_e_procurement",
        {"procurement_electronic": 640, "procurement_total": 800},
        80.0,
    ),
    # ---- Economy: Productivity
    ("r_d_expenditure", {"rd_expenditure": 2.5e8, "city_gdp": 1e10}, 2.5),
    ("patents", {"patents_granted": 50, **POP}, 25.0),
    ("small_and_medium_sized_enterprises", {"smes": 9_900, "enterprises": 10_000}, 99.0),
    ("unemployment_rate", {"unemployed": 6_000, **LF}, 6.0),
    ("youth_unemployment_rate", {"youth_unemployed": 1_800, "youth_labour_force": 12_000}, 15.0),
    ("tourism_sector_employment", {"tourism_employment": 4_000, **LF}, 4.0),
    ("ict_sector_employment", {"ict_employment": 3_500, **LF}, 3.5),
    # ---- Economy: Infrastructure
    ("basic_water_supply", {"households_basic_water": 990, **HH}, 99.0),
    ("potable_water_supply", {"households_potable_water": 950, **HH}, 95.0),
    ("water_supply_loss", {"water_lost": 2.4e6, "water_supplied": 1.2e7}, 20.0),
    ("wastewater_collection", {"households_wastewater_collection": 870, **HH}, 87.0),
    ("household_sanitation", {"households_basic_sanitation": 980, **HH}, 98.0),
    ("solid_waste_collection", {"households_waste_collection": 1_000, **HH}, 100.0),
    (
        "electricity_system_outage_frequency",
        {"customer_interruptions": 50_000, "electricity_customers": 40_000},
        1.25,
    ),
    (
        "electricity_system_outage_time",
        {"customer_interruption_duration": 4.5e6, "customer_interruptions": 50_000},
        90.0,
    ),
    ("access_to_electricity", {"households_electricity": 999, **HH}, 99.9),
    ("public_transport_network", {"pt_network_length": 900, **POP}, 450.0),
    ("public_transport_network_convenience", {"inhabitants_near_pt": 170_000, **POP}, 85.0),
    ("bicycle_network", {"bicycle_network_length": 150, **POP}, 75.0),
    ("transportation_mode_share_private_vehicles", TRIPS, 40.0),
    ("transportation_mode_share_public_transport", TRIPS, 30.0),
    ("transportation_mode_share_walking", TRIPS, 20.0),
    ("transportation_mode_share_cycling", TRIPS, 8.0),
    ("transportation_mode_share_para_transport", TRIPS, 2.0),
    ("travel_time_index", {"travel_time_peak": 45, "travel_time_free_flow": 30}, 1.5),
    ("shared_bicycles", {"shared_bicycles": 1_000, **POP}, 500.0),
    ("shared_vehicles", {"shared_vehicles": 300, **POP}, 150.0),
    (
        "low_carbon_emission_passenger_vehicles",
        {"low_carbon_vehicles": 12_000, "passenger_vehicles": 80_000},
        15.0,
    ),
    ("public_building_sustainability", {"public_building_area_certified": 60_000, **BLD}, 15.0),
    (
        "integrated_building_management_systems_in_public_buildings",
        {"public_building_area_ibms": 100_000, **BLD},
        25.0,
    ),
    ("pedestrian_infrastructure", {"pedestrian_area": 2, "city_area": 250}, 0.8),
    ("urban_development_and_spatial_planning_compact", {"spatial_plan_compact": 1}, 1.0),
    ("urban_development_and_spatial_planning_connected", {"spatial_plan_connected": 0}, 0.0),
    ("urban_development_and_spatial_planning_integrated", {"spatial_plan_integrated": 1}, 1.0),
    ("urban_development_and_spatial_planning_inclusive", {"spatial_plan_inclusive": 1}, 1.0),
    ("urban_development_and_spatial_planning_resilient", {"spatial_plan_resilient": 0}, 0.0),
    # ---- Environment
    ("air_pollution_pm25", {"pm25_concentration": 12.5}, 12.5),
    ("air_pollution_pm10", {"pm10_concentration": 22}, 22.0),
    ("air_pollution_no2", {"no2_concentration": 31}, 31.0),
    ("air_pollution_so2", {"so2_concentration": 4.5}, 4.5),
    ("air_pollution_o3", {"o3_concentration": 58}, 58.0),
    ("ghg_emissions", {"ghg_emissions": 900_000, **POP}, 4.5),
    ("drinking_water_quality", {"households_water_safety_plan": 800, **HH}, 80.0),
    ("water_consumption", {"water_consumption": 2e7, **POP}, 100.0),
    ("freshwater_consumption", {"freshwater_consumption": 1.5e7, "water_consumption": 2e7}, 75.0),
    ("wastewater_treatment_primary", {"wastewater_primary": 9e6, **WW}, 90.0),
    ("wastewater_treatment_secondary", {"wastewater_secondary": 7.5e6, **WW}, 75.0),
    ("wastewater_treatment_tertiary", {"wastewater_tertiary": 2e6, **WW}, 20.0),
    ("solid_waste_treatment_landfill", WASTE, 50.0),
    ("solid_waste_treatment_burnt", WASTE, 5.0),
    ("solid_waste_treatment_incinerated", WASTE, 15.0),
    ("solid_waste_treatment_open_dump", WASTE, 0.0),
    ("solid_waste_treatment_recycled", WASTE, 25.0),
    ("solid_waste_treatment_other", WASTE, 5.0),
    ("emf_exposure", {"emf_compliant_sites": 1_900, "antenna_sites": 2_000}, 95.0),
    ("noise_exposure", {"inhabitants_exposed_noise": 30_000, **POP}, 15.0),
    ("green_areas", {"green_area": 600, **POP}, 300.0),
    ("green_area_accessibility", {"inhabitants_near_green_area": 150_000, **POP}, 75.0),
    ("protected_natural_areas", {"protected_natural_area": 25, "city_area": 250}, 10.0),
    ("recreational_facilities", {"recreational_facility_area": 400_000, **POP}, 200_000.0),
    (
        "renewable_energy_consumption",
        {"renewable_energy_consumption": 300_000, "energy_consumption": 1_200_000},
        25.0,
    ),
    ("electricity_consumption", {"electricity_consumption": 1.2e9, **POP}, 6_000.0),
    ("residential_thermal_energy_consumption", {"residential_thermal_energy": 3e6, **POP}, 15.0),
    ("public_building_energy_consumption", {"public_building_energy": 6e7, **BLD}, 150.0),
    # ---- Society and Culture
    ("student_ict_access", {"students_ict_access": 27_000, "students_enrolled": 30_000}, 90.0),
    ("school_enrollment", {"students_enrolled": 30_000, "school_age_population": 31_250}, 96.0),
    ("higher_education_degrees", {"degree_holders": 50_000, **POP}, 25_000.0),
    ("adult_literacy", {"literate_adults": 158_400, "adult_population": 160_000}, 99.0),
    ("electronic_health_records", {"inhabitants_ehr": 120_000, **POP}, 60.0),
    ("life_expectancy", {"life_expectancy": 81.5}, 81.5),
    ("maternal_mortality_rate", {"maternal_deaths": 3, "live_births": 2_000}, 150.0),
    ("physicians", {"physicians": 600, **POP}, 300.0),
    ("in_patient_hospital_beds", {"hospital_beds": 800, **POP}, 400.0),
    (
        "health_insurance_public_health_coverage",
        {"inhabitants_health_coverage": 196_000, **POP},
        98.0,
    ),
    (
        "cultural_expenditure",
        {"cultural_heritage_expenditure": 1.5e7, "municipal_budget": 1e9},
        1.5,
    ),
    ("cultural_infrastructure", {"cultural_institutions": 40, **POP}, 20.0),
    ("informal_settlements", {"inhabitants_informal_settlements": 2_000, **POP}, 1.0),
    ("housing_expenditure", {"housing_expenditure": 12_000, "household_income": 48_000}, 25.0),
    ("gender_income_equity", {"female_hourly_earnings": 18, "male_hourly_earnings": 20}, 0.9),
    ("gini_coefficient", {"gini_coefficient": 0.32}, 0.32),
    ("poverty", {"inhabitants_below_poverty_line": 24_000, **POP}, 12.0),
    ("voter_participation", {"voters_last_election": 84_000, "eligible_voters": 140_000}, 60.0),
    (
        "child_care_availability",
        {"preschool_children_in_daycare": 6_800, "preschool_children": 8_000},
        85.0,
    ),
    ("natural_disaster_related_deaths", {"natural_disaster_deaths": 2, **POP}, 1.0),
    ("disaster_related_economic_losses", {"disaster_economic_losses": 5e7, "city_gdp": 1e10}, 0.5),
    ("resilience_plans", {"resilience_plan_sendai": 1}, 1.0),
    (
        "population_living_in_disaster_prone_areas",
        {"inhabitants_disaster_prone_areas": 10_000, **POP},
        5.0,
    ),
    ("emergency_service_response_time", {"emergency_response_time": 9.5}, 9.5),
    ("police_service", {"police_officers": 500, **POP}, 250.0),
    ("fire_service", {"firefighters": 200, **POP}, 100.0),
    ("violent_crime_rate", {"violent_crimes": 700, **POP}, 350.0),
    ("traffic_fatalities", {"traffic_fatalities": 6, **POP}, 3.0),
    ("local_food_production", {"food_local": 30_000, "food_total": 120_000}, 25.0),
]


def test_the_table_covers_every_data_point_once() -> None:
    ids = [dp_id for dp_id, _, _ in CASES]
    assert len(ids) == len(set(ids)) == 112
    assert set(ids) == {dp.id for _, dp in load_catalogue().iter_data_points()}


@pytest.mark.parametrize(("dp_id", "values", "expected"), CASES, ids=[c[0] for c in CASES])
def test_formula_gives_the_hand_computed_value(
    dp_id: str, values: dict[str, float], expected: float
) -> None:
    dp = load_catalogue().data_point(dp_id)
    assert set(values) == set(dp.inputs), "the case lists exactly the formula's inputs"
    assert evaluate(dp, values) == pytest.approx(expected, rel=1e-12, abs=1e-12)
