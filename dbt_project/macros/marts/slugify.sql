{#-
    SQL twin of flows.extract.schedule.slugify: 'São Paulo' -> 'sao-paulo' (NFKD, accents
    dropped, runs of anything but a-z0-9 become one hyphen, none at either end).
-#}
{% macro slugify(expression) -%}
    trim(both '-' from regexp_replace(
        lower(regexp_replace(normalize({{ expression }}, nfkd), '[^\x01-\x7f]', '', 'g')),
        '[^a-z0-9]+', '-', 'g'
    ))
{%- endmacro %}
