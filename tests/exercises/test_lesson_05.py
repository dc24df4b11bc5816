"""Lesson 05 · Fine-tuning: the checks of a dataset for in-batch negatives, a mixed training set, a JSON stream, the
CoSENT loss by hand."""

import json

import pandas as pd
import pytest
import torch

from embedding_course import data, exercises

from .solutions import solution_code
from .verdicts import accepted, rejected


@pytest.fixture(scope="module")
def course_split():
    from sklearn.model_selection import train_test_split

    pairs = data.course_pairs()
    return train_test_split(pairs, test_size=0.3, stratify=pairs["kind"], random_state=42)


def test_05_1_mnrl_dataset(capsys, course_split):
    from datasets import Dataset

    train_df = course_split[0]
    paraphrases = train_df[train_df["kind"] == "paraphrase"]
    accepted(capsys, exercises.check_mnrl_dataset,
             Dataset.from_pandas(paraphrases[["sentence1", "sentence2"]], preserve_index=False), train_df)
    rejected(capsys, "Keep the paraphrases", exercises.check_mnrl_dataset,
             Dataset.from_pandas(train_df[["sentence1", "sentence2"]], preserve_index=False), train_df)
    rejected(capsys, "the column 'score' would be passed to the loss", exercises.check_mnrl_dataset,
             Dataset.from_pandas(paraphrases[["sentence1", "sentence2", "score"]], preserve_index=False), train_df)
    rejected(capsys, "should be a datasets.Dataset", exercises.check_mnrl_dataset, paraphrases, train_df)


@pytest.mark.slow
def test_05_2_mixed_training_set(capsys, course_split, stsb_required):
    train_df, test_df = course_split
    stsb_sample = data.stsb("test").sample(300, random_state=42)
    general = data.stsb("train").sample(300, random_state=0)
    ours = train_df[["sentence1", "sentence2", "score"]]
    right = pd.concat([ours, general[["sentence1", "sentence2"]].assign(score=general["score"] / 5)], ignore_index=True)
    accepted(capsys, exercises.check_mixed_training_set, right, train_df, test_df, stsb_sample)
    rejected(capsys, "divide them by 5", exercises.check_mixed_training_set,
             pd.concat([ours, general[["sentence1", "sentence2", "score"]]], ignore_index=True), train_df, test_df, stsb_sample)
    leak = pd.concat([ours, stsb_sample[["sentence1", "sentence2"]].assign(score=stsb_sample["score"] / 5)], ignore_index=True)
    rejected(capsys, "are in the held-out data", exercises.check_mixed_training_set, leak, train_df, test_df, stsb_sample)


@pytest.fixture
def jsonl_path(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps({"query": f"query {i}", "passage": f"passage {i}"}) + "\n" for i in range(21)))
    return path


FEATURES = {"query": "string", "passage": "string"}  # section 6's features


def _features(**types):
    from datasets import Features, Value

    return Features({name: Value(kind) for name, kind in {**FEATURES, **types}.items()})


def test_05_3_json_stream(capsys, jsonl_path):
    from datasets import load_dataset

    stream = load_dataset("json", data_files=str(jsonl_path), split="train", streaming=True).cast(_features())
    accepted(capsys, exercises.check_json_stream, stream, 6, jsonl_path)  # 2 passes x ceil(21 / 8)
    accepted(capsys, exercises.check_json_stream, stream.shuffle(seed=42, buffer_size=8), 6, jsonl_path)
    rejected(capsys, "it is a step too", exercises.check_json_stream, stream, 4, jsonl_path)
    rejected(capsys, "one pass over the file", exercises.check_json_stream, stream, 3, jsonl_path)
    rejected(capsys, "a step is one batch of 8 examples", exercises.check_json_stream, stream, 42, jsonl_path)
    rejected(capsys, "should be a datasets.IterableDataset", exercises.check_json_stream, [], 6, jsonl_path)


def test_05_3_the_stream_must_be_the_json_loaders(capsys, jsonl_path):
    from datasets import IterableDataset, load_dataset

    def read_jsonl(path):  # section 6's generator
        with open(path, encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)

    lesson_stream = IterableDataset.from_generator(read_jsonl, gen_kwargs={"path": str(jsonl_path)},
                                                   features=_features()).shuffle(seed=42, buffer_size=64)
    rejected(capsys, "this stream comes from section 6's generator", exercises.check_json_stream, lesson_stream, 6,
             jsonl_path)
    rejected(capsys, "stream is a dict of splits (train)", exercises.check_json_stream,
             load_dataset("json", data_files=str(jsonl_path), streaming=True), 6, jsonl_path)
    rejected(capsys, "without streaming=True load_dataset reads the whole file", exercises.check_json_stream,
             load_dataset("json", data_files=str(jsonl_path), split="train"), 6, jsonl_path)


def test_05_3_the_stream_has_the_lessons_features_and_every_line(capsys, jsonl_path):
    from datasets import load_dataset

    raw = load_dataset("json", data_files=str(jsonl_path), split="train", streaming=True)
    assert raw.features == _features()  # the JSON loader infers section 6's features: .cast(features) changes nothing
    rejected(capsys, "the stream's features are not section 6's `features` (passage: Value('large_string'))",
             exercises.check_json_stream, raw.cast(_features(passage="large_string")), 6, jsonl_path)
    rejected(capsys, "the stream's features should be query and passage", exercises.check_json_stream,
             raw.rename_column("passage", "text"), 6, jsonl_path)
    rejected(capsys, "one pass over your stream gives 5 examples; jsonl_path has 21 lines", exercises.check_json_stream,
             raw.cast(_features()).take(5), 6, jsonl_path)


def without_one_plus(cosines, labels, scale=20.0):  # a wrong answer: log-sum-exp of the terms alone
    differences = scale * (cosines[None, :] - cosines[:, None])
    return torch.logsumexp(differences[labels[:, None] > labels[None, :]], dim=0)


@pytest.mark.slow
def test_05_4_cosent(capsys, course_split, minilm):
    train_df = course_split[0]
    cosent = solution_code("05", "cosent_by_hand", torch=torch)["cosent_by_hand"]
    accepted(capsys, exercises.check_cosent, cosent, minilm, train_df)
    rejected(capsys, "without the 1 +", exercises.check_cosent, without_one_plus, minilm, train_df)
    rejected(capsys, "with the scale left out", exercises.check_cosent, lambda c, l, s=20.0: cosent(c, l, 1.0),
             minilm, train_df)
