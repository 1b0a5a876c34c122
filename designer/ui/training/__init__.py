"""The training side of the window: the training panel (data and settings), the worker
that runs the loop in a thread, the live plots, the results and the run history, the
pre-flight check and the learning-rate finder.

`TrainingDock` (in `dock`) places these views in the window and connects them to the
document; the rest of the window knows the training UI through it alone.
"""
