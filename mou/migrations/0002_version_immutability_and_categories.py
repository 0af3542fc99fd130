from django.db import migrations

CATEGORIES = [
    ("customs", "Customs information", "Renseignements douaniers"),
    ("traveller", "Traveller information", "Renseignements sur les voyageurs"),
    ("criminal_evidence", "Criminal evidence", "Éléments de preuve en matière pénale"),
    ("intelligence", "Intelligence", "Renseignement"),
]

# Versions of an agreement's text are history: no page, API, admin action or script may change or
# remove one. The database itself refuses it.
IMMUTABLE = """
CREATE OR REPLACE FUNCTION mou_version_is_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'agreement versions cannot be changed or deleted' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER mou_agreementversion_immutable
    BEFORE UPDATE OR DELETE ON mou_agreementversion
    FOR EACH ROW EXECUTE FUNCTION mou_version_is_immutable();
"""
MUTABLE = """
DROP TRIGGER IF EXISTS mou_agreementversion_immutable ON mou_agreementversion;
DROP FUNCTION IF EXISTS mou_version_is_immutable();
"""


def add_categories(apps, schema_editor):
    InformationCategory = apps.get_model("mou", "InformationCategory")
    for code, name_en, name_fr in CATEGORIES:
        InformationCategory.objects.update_or_create(code=code, defaults={"name_en": name_en, "name_fr": name_fr})


class Migration(migrations.Migration):
    dependencies = [("mou", "0001_initial")]

    operations = [
        migrations.RunSQL(IMMUTABLE, MUTABLE),
        migrations.RunPython(add_categories, migrations.RunPython.noop),
    ]
