"""For migrations of models that move from the core to another app over the same tables: the content types of the
moved models follow them, keeping their ids, so permissions and anything else that points at them still hold."""


def move_content_types(app_label: str, models: tuple[str, ...]):
    def move(apps, schema_editor) -> None:
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        for model in models:
            if ContentType.objects.using(db).filter(app_label=app_label, model=model).exists():
                continue  # already known under the new app (a database made after the move)
            ContentType.objects.using(db).filter(app_label="taskforce", model=model).update(app_label=app_label)

    return move
