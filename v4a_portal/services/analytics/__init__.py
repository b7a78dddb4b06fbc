"""Analytics for analysts and admins: aggregates in SQL, one module per console page.

Every query groups in the database and returns plain rows (JSON-ready); `charts` turns
those rows into plotly figures with pandas. pandas and plotly are imported only here and
by the analytics pages.
"""
