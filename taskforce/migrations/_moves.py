"""For migrations of models that move from the core to another app over the same tables: the content types of the
moved models follow them, keeping their ids, so permissions and anything else that points at them still hold; and
go back with them when the migration is reversed."""

CORE = "taskforce"


def _move(apps, schema_editor, models: tuple[str, ...], *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in models:
        old = ContentType.objects.using(db).filter(app_label=source, model=model)
        if not old.exists():
            continue  # a database made after the move: the content type is created under its app
        # One made meanwhile under the target label (the apps migrated one at a time, with Django's post-migrate step
        # in between) holds only its freshly made permissions: the old one, with everything pointing at it, wins.
        ContentType.objects.using(db).filter(app_label=target, model=model).delete()
        old.update(app_label=target)


def move_content_types(app_label: str, models: tuple[str, ...]):
    def forward(apps, schema_editor) -> None:
        _move(apps, schema_editor, models, source=CORE, target=app_label)

    return forward


def move_content_types_back(app_label: str, models: tuple[str, ...]):
    def backward(apps, schema_editor) -> None:
        _move(apps, schema_editor, models, source=app_label, target=CORE)

    return backward
