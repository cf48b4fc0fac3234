"""Composite indices of named frameworks: assessment inputs handed to the index engine.

A framework module composes the two layers below it and adds no method of its own: it takes the
engine inputs that ``assess`` prepares (``iData``, ``iMeta``, targets) and runs the pure engine
of :mod:`citykpi.index` on them. This layer sits after ``index`` and below ``io``, ``store``,
``sources``, ``pipeline`` and ``cli``, which may import it.

* :mod:`~citykpi.frameworks.u4ssc`: the U4SSC Global Smart Sustainable City Index
  (:func:`build_u4ssc_index` -> :class:`U4sscIndex`).
"""

from citykpi.frameworks.u4ssc import U4sscIndex, build_u4ssc_index

__all__ = ["U4sscIndex", "build_u4ssc_index"]
