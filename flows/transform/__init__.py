"""Transform: dbt builds the staged schema from raw."""
