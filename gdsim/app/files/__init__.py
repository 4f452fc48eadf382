"""What the app reads and writes: sessions, exports and settings.

* :mod:`~gdsim.app.files.documents` — the File menu: open/save sessions, lessons, export;
* :mod:`~gdsim.app.files.export` — writing figures (PNG, SVG, PDF, GIF) and trajectory tables;
* :mod:`~gdsim.app.files.figure` — the export figure (also used by ``gdsim run --plot``);
* :mod:`~gdsim.app.files.export_dialog` — the export dialog;
* :mod:`~gdsim.app.files.settings` — persistent user settings.
"""
