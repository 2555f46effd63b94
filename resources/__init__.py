"""The app's non-code assets, installed as the package mnist_gui.resources (see pyproject.toml).

Read them through mnist_gui.config (resources(), resource_path(), icon_path(), SHIPPED_MODEL), which
uses importlib.resources, so they are found from a wheel, a zip or an editable install alike.
"""
