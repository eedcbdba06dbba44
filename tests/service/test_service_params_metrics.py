"""Submit parameters are checked before anything is sent; metrics parse from every source."""

import pytest

from studio.service.submit.params import InvalidParameter, SubmitParams
from studio.service.jobs.training_metrics import metric_point, parse_results_csv


def test_valid_parameters_pass_and_build_the_method_hyperparameters():
    params = SubmitParams(suffix="cats-v2_1", n_epochs=3, batch_size="auto", learning_rate_multiplier=0.5, seed=7)
    params.validate(azure=False)
    assert params.hyperparameters() == {"n_epochs": 3, "batch_size": "auto", "learning_rate_multiplier": 0.5}
    assert SubmitParams.from_dict(params.to_dict()) == params


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"suffix": "this-suffix-is-far-too-long"}, "at most 18"),
        ({"suffix": "Has Space"}, "lowercase"),
        ({"n_epochs": 0}, "number of epochs"),
        ({"n_epochs": 2.5}, "whole number"),
        ({"batch_size": "big"}, "batch size"),
        ({"learning_rate_multiplier": -1.0}, "learning-rate"),
        ({"model": " "}, "base model"),
        ({"seed": -3}, "seed"),
        ({"training_type": "global"}, "only on Azure"),
    ],
)
def test_invalid_parameters_name_the_field(changes, words):
    with pytest.raises(InvalidParameter, match=words):
        SubmitParams(**changes).validate(azure=False)


def test_training_type_maps_to_the_azure_api_values():
    assert SubmitParams(training_type="developer").azure_training_type() == "developerTier"
    assert SubmitParams(training_type="Global").azure_training_type() == "globalstandard"
    assert SubmitParams(training_type="standard").azure_training_type() is None
    SubmitParams(training_type="global").validate(azure=True)


def test_event_data_with_either_accuracy_spelling():
    a = metric_point({"step": 5, "train_loss": 0.5, "valid_mean_token_accuracy": 0.7, "total_steps": 40})
    b = metric_point({"step": "5", "train_loss": "0.5", "validation_mean_token_accuracy": "0.7"})
    assert (a.step, a.train_loss, a.valid_accuracy, a.total_steps) == (5, 0.5, 0.7, 40)
    assert (b.step, b.valid_accuracy) == (5, 0.7)
    assert metric_point({"step": 1}) is None
    assert metric_point({"train_loss": 1.0}) is None
    assert metric_point({"error_code": "invalid_n_examples"}) is None


def test_results_csv_by_header_name_with_blank_cells():
    csv_text = (
        "\ufeffstep,train_loss,train_mean_token_accuracy,valid_loss,validation_mean_token_accuracy,"
        "full_valid_loss,full_valid_mean_token_accuracy\n"
        "1,1.2,0.4,,,,\n"
        "2,0.9,0.6,1.0,0.55,,\n"
        "3,0.5,0.9,0.7,0.8,0.65,0.85\n"
    )
    points = parse_results_csv(csv_text.encode())
    assert [p.step for p in points] == [1, 2, 3]
    assert points[0].valid_loss is None and points[1].valid_accuracy == 0.55
    assert points[2].full_valid_accuracy == 0.85 and points[2].train_accuracy == 0.9
    # columns in another order, older name for train accuracy
    assert parse_results_csv("train_accuracy,step,train_loss\n0.5,7,0.25\n")[0].train_accuracy == 0.5


def test_export_options_are_accepted_and_stored_as_a_dict():
    from studio.core.export import ExportOptions

    params = SubmitParams(export=ExportOptions(detail="high", val_fraction=0.2, workers=0))
    assert params.export["detail"] == "high" and params.export["workers"] == 0
    assert SubmitParams.from_dict(params.to_dict()) == params
