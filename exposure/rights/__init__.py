"""Privacy laws as data, due dates, and request drafting (pure: no database, no network).

- :mod:`exposure.rights.laws`: regimes, the rights they give, citations, deadlines, regulators,
  which law applies to whom, and California's DROP notice.
- :mod:`exposure.rights.deadlines`: due dates (calendar, business days, "one month").
- :mod:`exposure.rights.draft`: request letters rendered from the text templates in
  ``templates/<language>/<kind>.txt``.
"""
