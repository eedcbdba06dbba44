"""Evaluation of models on the project's held-out images: parsing answers, metrics, comparisons, runs.

Qt-free and SDK-free, so the UI, the CLI and the tests compute every number with the same code.
The service layer (`studio.service.evaluation`) sends the requests and stores answers through the
repository here; everything a result view shows is computed from those stored answers.
"""
