"""`make bench`: the project's loader and dbt build, timed on a synthetic season against
PostgreSQL's own COPY, psycopg, pandas and the SQLAlchemy ORM (run: ``python -m bench``)."""
