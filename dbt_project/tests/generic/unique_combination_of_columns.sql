{#-
    Fails for every combination of `combination_of_columns` that occurs more than once
    (our own version of dbt_utils' test: packages cannot be installed here).
    Null values count as equal, so a key with nulls in it must also be tested not_null.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(',\n    ') }},
    count(*) as n_rows
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}
