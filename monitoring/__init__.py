"""Monitoring: drift and decay of the registered models, the retraining trigger and the dashboard.

``monitoring.drift`` measures (PSI, KS, chi-square, missing share, score PSI, realised AUC and
calibration), ``monitoring.report`` writes the HTML/JSON, ``monitoring.retrain`` decides whether to
train a challenger, ``monitoring.dashboard`` builds the pages the API serves at ``/dashboard``.
This layer reads Parquet (the prediction log, the marts, training sets) and the MLflow registry;
it imports the training layer's public functions and never the serving layer.
"""
