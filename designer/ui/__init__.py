"""The Qt user interface: the only package that imports PySide6 or pyqtgraph.

Widgets render the model and send commands; they never own the truth (see document.py).
"""
