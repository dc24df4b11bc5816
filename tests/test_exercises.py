"""The exercise checks on the real data and models: each accepts the solution's answer, rejects a realistic wrong
answer with its specific message, and answers an untouched template with "not answered yet" (never raising).
Then the lessons themselves: every exercise cell calls a check that exists, every lesson has a solutions notebook
whose stored outputs say "right"."""

import json
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from embedding_course import data, exercises, models

REPO = Path(__file__).resolve().parent.parent
LESSONS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
SETTINGS = dict(lowercase=True, token_pattern=TOKEN_PATTERN, stop_words="english",
                smooth_idf=True, sublinear_tf=True, norm="l2")


def verdict(capsys, check, *args, **kwargs):
    """Run a check; return what it returned and the line it printed (which must name its exercise)."""
    result = check(*args, **kwargs)
    printed = capsys.readouterr().out
    assert printed.startswith(f"Exercise {check.exercise} ("), printed
    return result, printed


def accepted(capsys, check, *args, **kwargs):
    result, printed = verdict(capsys, check, *args, **kwargs)
    assert result is True and "): right." in printed, printed
    return printed


def rejected(capsys, message, check, *args, **kwargs):
    result, printed = verdict(capsys, check, *args, **kwargs)
    assert result is False and "): not yet." in printed and message in printed, printed
    return printed


def unanswered(capsys, check, *args, **kwargs):
    result, printed = verdict(capsys, check, *args, **kwargs)
    assert result is False and "not answered yet" in printed, printed


# ---------------------------------------------------------------- every check: the None template
@pytest.mark.parametrize("key", sorted(exercises.REGISTRY))
def test_an_untouched_none_template_is_not_answered_yet(key, capsys):
    check = exercises.REGISTRY[key]
    names = list(check.__wrapped__.__code__.co_varnames[:check.__wrapped__.__code__.co_argcount])
    assert set(check.answers) <= set(names)
    unanswered(capsys, check, **{name: None for name in names})  # the other arguments are never touched


def test_a_wrong_call_is_reported_not_raised(capsys):
    result, printed = verdict(capsys, exercises.check_longest_vectors, "glove-6B-50d")  # one argument missing
    assert result is False and "called the wrong way" in printed


# ---------------------------------------------------------------- shared inputs (real data and models)
@pytest.fixture(scope="module")
def short_minilm():
    """all-MiniLM-L6-v2 reading at most 16 tokens: the same model, fast enough to embed a few hundred texts here.

    The checks that embed use the model they are given, so they stay consistent with it."""
    model = models.load_sentence_transformer("all-MiniLM-L6-v2")
    model.max_seq_length = 16
    return model


@pytest.fixture(scope="module")
def glove():
    return models.load_glove()


@pytest.fixture(scope="module")
def backbone():
    return models.load_backbone("all-MiniLM-L6-v2")


@pytest.fixture(scope="module")
def lee_corpus():
    examples = data.course_sentences()
    groups = ["no_shared_words", "paraphrases", "word_order", "negation"]
    texts = data.lee_background() + data.lee_documents()
    return texts + [p[side] for g in groups for p in examples[g] for side in ("a", "b")]


@pytest.fixture(scope="module")
def wide(lee_corpus):
    return TfidfVectorizer(**SETTINGS).fit(lee_corpus)


# ---------------------------------------------------------------- 00
def test_00_1_longest_vectors(capsys):
    catalog = models.catalog()
    best = catalog["dim"].idxmax()
    accepted(capsys, exercises.check_longest_vectors, best, int(catalog.loc[best, "dim"]))
    rejected(capsys, "another model of the catalog makes longer ones", exercises.check_longest_vectors, "glove-6B-50d", 50)
    rejected(capsys, "it is a tokenizer", exercises.check_longest_vectors, "tekken-llm-tokenizer", 768)
    rejected(capsys, "right model, but", exercises.check_longest_vectors, best, 384)


def test_00_2_same_meaning(capsys, minilm):
    accepted(capsys, exercises.check_same_meaning, "The train arrived an hour late.",
             "Our rail connection was delayed by sixty minutes.", "Penguins cannot fly.", minilm)
    rejected(capsys, "share most of their content words", exercises.check_same_meaning,
             "The train arrived an hour late.", "The train arrived one hour late.", "Penguins cannot fly.", minilm)
    rejected(capsys, "closer to same_a", exercises.check_same_meaning,
             "The cat sleeps on the sofa.", "Stock markets fell sharply today.", "A kitten naps on the couch.", minilm)


def test_00_3_model_files(capsys):
    accepted(capsys, exercises.check_model_files, "model.safetensors", "1_Pooling/config.json")
    rejected(capsys, "follow its entry for the Pooling module", exercises.check_model_files, "model.safetensors", "modules.json")
    rejected(capsys, "Compare the files' sizes", exercises.check_model_files, "vocab.txt", "1_Pooling/config.json")


# ---------------------------------------------------------------- 01
def test_01_1_idf_by_hand(capsys):
    sentences = ["The cat sat on the mat.", "A dog chased the cat.", "Birds sing in spring."]
    idf = math.log(4 / 3) + 1
    accepted(capsys, exercises.check_idf_by_hand, sentences, "cat", idf, idf)
    rejected(capsys, "without smoothing", exercises.check_idf_by_hand, sentences, "cat", math.log(3 / 2) + 1, idf)
    rejected(capsys, "occurs in all three", exercises.check_idf_by_hand, ["a cat", "the cat", "my cat"], "cat", 1.0, 1.0)
    normalized = idf / np.linalg.norm(TfidfVectorizer(norm=None).fit_transform(sentences).toarray()[0])
    rejected(capsys, "before that step", exercises.check_idf_by_hand, sentences, "cat", idf, normalized)


def _pair_cosine(vectorizer, a, b):
    va, vb = vectorizer.transform([a, b]).toarray()
    return float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb)))


def test_01_2_bigrams(capsys, wide, lee_corpus):
    bigrams = TfidfVectorizer(**SETTINGS, ngram_range=(1, 2)).fit(lee_corpus)
    cosine = _pair_cosine(bigrams, "The cat chased the mouse.", "The mouse chased the cat.")
    assert 0 < cosine < 1
    accepted(capsys, exercises.check_bigrams, bigrams, cosine, wide)
    rejected(capsys, "ngram_range is (1, 1)", exercises.check_bigrams, wide, 1.0, wide)
    rejected(capsys, "a cosine of 1 is what `wide` gives", exercises.check_bigrams, bigrams, 1.0, wide)
    other = TfidfVectorizer(**{**SETTINGS, "sublinear_tf": False}, ngram_range=(1, 2)).fit(lee_corpus)
    rejected(capsys, "sublinear_tf=False", exercises.check_bigrams, other, cosine, wide)


def test_01_3_negation_stop_words(capsys, wide, lee_corpus):
    keep_negations = list(ENGLISH_STOP_WORDS - {"not", "no", "nor", "cannot"})
    right = TfidfVectorizer(**{**SETTINGS, "stop_words": keep_negations}).fit(lee_corpus)
    accepted(capsys, exercises.check_negation_stop_words, right, wide)
    only_not = TfidfVectorizer(**{**SETTINGS, "stop_words": list(ENGLISH_STOP_WORDS - {"not"})}).fit(lee_corpus)
    rejected(capsys, "'I cannot recommend this hotel.' still gets the same vector", exercises.check_negation_stop_words,
             only_not, wide)
    rejected(capsys, "not negations", exercises.check_negation_stop_words,
             TfidfVectorizer(**{**SETTINGS, "stop_words": ["the", "a"]}).fit(lee_corpus), wide)


def test_01_4_tfidf_search(capsys):
    queries, rests = zip(*(re.split(r"(?<=[.!?])\s+", a, maxsplit=1) for a in data.lee_background()))
    vectorizer = TfidfVectorizer(**SETTINGS).fit(rests)
    ranked = np.argsort(-(vectorizer.transform(queries) @ vectorizer.transform(rests).T).toarray(), axis=1)[:, :10]
    first = ranked[:, 0] == np.arange(len(queries))
    mrr = np.mean([1 / (list(row).index(i) + 1) if i in row else 0 for i, row in enumerate(ranked)])
    accepted(capsys, exercises.check_tfidf_search, first.mean(), mrr, SETTINGS)
    whole = TfidfVectorizer(**SETTINGS).fit(data.lee_background())
    with_query = np.argsort(-(whole.transform(queries) @ whole.transform(data.lee_background()).T).toarray(), axis=1)
    rejected(capsys, "the whole articles", exercises.check_tfidf_search,
             (with_query[:, 0] == np.arange(len(queries))).mean(), 0.95, SETTINGS)
    rejected(capsys, "MRR is not", exercises.check_tfidf_search, first.mean(), first.mean(), SETTINGS)


# ---------------------------------------------------------------- 02
def test_02_1_family_analogies(capsys, glove):
    family = exercises._family_questions()
    unit = glove.get_normed_vectors()

    def analogy(a, b, c):  # the lesson's analogy(), first answer only
        target = unit[glove.key_to_index[a]] - unit[glove.key_to_index[b]] + unit[glove.key_to_index[c]]
        best = [i for i in np.argsort(-(unit @ target))[:4] if glove.index_to_key[i] not in (a, b, c)]
        return glove.index_to_key[best[0]]

    truth = np.array([glove.key_to_index[q[3]] for q in family])
    correct = sum(analogy(b, a, c) == d for a, b, c, d in family[:40])  # the lesson's function, on 40 questions
    assert correct == int((exercises._analogy_answers(glove, family[:40]) == truth[:40]).sum())
    full = int((exercises._analogy_answers(glove, family) == truth).sum())
    accepted(capsys, exercises.check_family_analogies, family, full, glove)
    rejected(capsys, "lowercase the lines", exercises.check_family_analogies,
             [[w.capitalize() for w in q] for q in family], full, glove)
    rejected(capsys, "than the check's", exercises.check_family_analogies, family, full + 1, glove)


def _tokens(text):
    return re.findall(r"[a-z0-9']+", text.lower())


def test_02_2_idf_weighted_glove(capsys, glove):
    baseline = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit(data.lee_background() + data.lee_documents())

    def idf_mean_glove(text):
        words = [w for w in _tokens(text) if w in glove.key_to_index and w in baseline.vocabulary_]
        weights = np.array([baseline.idf_[baseline.vocabulary_[w]] for w in words])
        return weights @ glove[words] / weights.sum()

    def plain_mean(text):
        return glove[[w for w in _tokens(text) if w in glove.key_to_index and w not in ENGLISH_STOP_WORDS]].mean(axis=0)

    def template(text):
        ...

    accepted(capsys, exercises.check_idf_weighted_glove, idf_mean_glove, glove, baseline)
    rejected(capsys, "your vectors are the plain mean", exercises.check_idf_weighted_glove, plain_mean, glove, baseline)
    unanswered(capsys, exercises.check_idf_weighted_glove, template, glove, baseline)


class GRUEncoder(torch.nn.Module):
    """Lesson 02's encoder (GloVe -> GRU -> final state -> linear layer)."""

    def __init__(self, word_vectors, hidden_size=32, n_classes=2):
        super().__init__()
        self.emb = torch.nn.Embedding.from_pretrained(torch.from_numpy(word_vectors), freeze=True)
        self.gru = torch.nn.GRU(word_vectors.shape[1], hidden_size, batch_first=True)
        self.head = torch.nn.Linear(hidden_size, n_classes)

    def packed(self, texts):
        lengths = torch.tensor([len(ids) for ids in texts])
        padded = torch.nn.utils.rnn.pad_sequence(texts, batch_first=True)
        return torch.nn.utils.rnn.pack_padded_sequence(self.emb(padded), lengths, batch_first=True, enforce_sorted=False)

    def encode(self, texts):
        return self.gru(self.packed(texts))[1][0]


class BiGRUEncoder(GRUEncoder):
    def __init__(self, word_vectors, hidden_size=32, n_classes=2):
        super().__init__(word_vectors, hidden_size, n_classes)
        self.gru = torch.nn.GRU(word_vectors.shape[1], hidden_size, batch_first=True, bidirectional=True)
        self.head = torch.nn.Linear(2 * hidden_size, n_classes)

    def encode(self, texts):
        last = self.gru(self.packed(texts))[1]
        return torch.cat([last[0], last[1]], dim=1)


class BiGRUUnpacked(BiGRUEncoder):
    def encode(self, texts):  # the padding is read as tokens
        last = self.gru(self.emb(torch.nn.utils.rnn.pad_sequence(texts, batch_first=True)))[1]
        return torch.cat([last[0], last[1]], dim=1)


class BiGRUTemplate(GRUEncoder):
    def encode(self, texts):
        ...


class LSTMEncoder(GRUEncoder):
    def __init__(self, word_vectors, hidden_size=32, n_classes=2):
        super().__init__(word_vectors, hidden_size, n_classes)
        self.gru = torch.nn.LSTM(word_vectors.shape[1], hidden_size, batch_first=True)

    def encode(self, texts):
        return self.gru(self.packed(texts))[1][0][0]  # (output, (h, c)): h


class LSTMCell(LSTMEncoder):
    def encode(self, texts):
        return self.gru(self.packed(texts))[1][1][0]  # c, the memory cell


@pytest.fixture(scope="module")
def post_ids(glove):
    posts = data.newsgroups(clean=True)["text"][:6]
    return [torch.tensor([glove.key_to_index[w] for w in _tokens(t) if w in glove.key_to_index][:100]) for t in posts]


def test_02_3_bidirectional_gru(capsys, glove, post_ids):
    assert len({len(ids) for ids in post_ids}) > 1  # texts of different lengths: the padding is tested
    accepted(capsys, exercises.check_bidirectional_gru, BiGRUEncoder, glove.vectors, post_ids)
    rejected(capsys, "Pack the padded batch", exercises.check_bidirectional_gru, BiGRUUnpacked, glove.vectors, post_ids)
    rejected(capsys, "bidirectional=True", exercises.check_bidirectional_gru, GRUEncoder, glove.vectors, post_ids)
    unanswered(capsys, exercises.check_bidirectional_gru, BiGRUTemplate, glove.vectors, post_ids)


def test_02_4_lstm_encoder(capsys, glove, post_ids):
    accepted(capsys, exercises.check_lstm_encoder, LSTMEncoder, glove.vectors, post_ids)
    rejected(capsys, "you returned the memory cell c", exercises.check_lstm_encoder, LSTMCell, glove.vectors, post_ids)
    unanswered(capsys, exercises.check_lstm_encoder, BiGRUTemplate, glove.vectors, post_ids)


# ---------------------------------------------------------------- 03
@pytest.fixture(scope="module")
def llm_tokenizer():
    return models.load_llm_tokenizer()


def test_03_1_token_counts(capsys, backbone, llm_tokenizer):
    tokenizer = backbone[0]
    text = "Das Wetter ist heute schön, aber morgen regnet es."
    pieces, bpe = len(tokenizer.tokenize(text)), len(llm_tokenizer.encode(text, bos=False, eos=False))
    accepted(capsys, exercises.check_token_counts, text, pieces, bpe, tokenizer, llm_tokenizer)
    rejected(capsys, "[CLS] and [SEP] are added", exercises.check_token_counts,
             text, len(tokenizer(text)["input_ids"]), bpe, tokenizer, llm_tokenizer)
    rejected(capsys, "the number of words", exercises.check_token_counts, text, pieces, len(text.split()),
             tokenizer, llm_tokenizer)


def test_03_2_ambiguous_word(capsys, backbone):
    tokenizer, net = backbone
    sentences = ["He lit a match to see in the dark.", "She struck a match and lit the candle.",
                 "The football match ended in a draw."]
    printed = accepted(capsys, exercises.check_ambiguous_word, "match", sentences, tokenizer, net)
    assert "a gap of 0." in printed
    rejected(capsys, "pick a word that is a single token", exercises.check_ambiguous_word,
             "embedding", sentences, tokenizer, net)
    rejected(capsys, "does not contain the token 'bark'", exercises.check_ambiguous_word,
             "bark", ["The dog began to bark.", "The bark of the tree was rough.", "Birds sing."], tokenizer, net)


def _pair_input(tokenizer, a, b, middle_type=0):
    first, second = tokenizer.tokenize(a), tokenizer.tokenize(b)
    ids = tokenizer.convert_tokens_to_ids(["[CLS]", *first, "[SEP]", *second, "[SEP]"])
    types = [0] * (len(first) + 1) + [middle_type] + [1] * (len(second) + 1)
    return ids, types


def test_03_3_pair_input(capsys, backbone):
    tokenizer = backbone[0]
    accepted(capsys, exercises.check_pair_input, lambda a, b: _pair_input(tokenizer, a, b), tokenizer)
    rejected(capsys, "the [SEP] after a has type 1", exercises.check_pair_input,
             lambda a, b: _pair_input(tokenizer, a, b, middle_type=1), tokenizer)
    rejected(capsys, "does not start with [CLS]", exercises.check_pair_input,
             lambda a, b: tuple(part[1:] for part in _pair_input(tokenizer, a, b)), tokenizer)
    unanswered(capsys, exercises.check_pair_input, lambda a, b: None, tokenizer)


@pytest.fixture(scope="module")
def untrained_cross_encoder():
    """A cross-encoder with a seeded, untrained head: the check compares against its predict(), whatever it learned."""
    from embedding_course import cross_encoder
    from embedding_course.lesson import seed_everything

    seed_everything(42)
    return cross_encoder.new_cross_encoder("all-MiniLM-L6-v2", max_length=64)


def test_03_4_cross_encoder_score(capsys, untrained_cross_encoder):
    model = untrained_cross_encoder

    def logit(a, b):
        with torch.no_grad():
            return model.model.classifier(model.model.bert(**model.tokenizer(a, b, return_tensors="pt")).pooler_output).item()

    accepted(capsys, exercises.check_cross_encoder_score, lambda a, b: torch.sigmoid(torch.tensor(logit(a, b))).item(), model)
    rejected(capsys, "your scores are the logits", exercises.check_cross_encoder_score, logit, model)


# ---------------------------------------------------------------- 04
def test_04_1_false_positive(capsys, minilm):
    paraphrase = ("The film was extremely boring.", "That movie felt incredibly dull.")
    accepted(capsys, exercises.check_false_positive, ("The cat chased the mouse.", "The mouse chased the cat."),
             paraphrase, minilm)
    rejected(capsys, "should use the same words", exercises.check_false_positive,
             ("The cat chased the mouse.", "The dog chased the cat."), paraphrase, minilm)
    rejected(capsys, "this time the model was not fooled", exercises.check_false_positive,
             ("No dessert for you.", "No, dessert for you."), ("I bought a car.", "I purchased a car."), minilm)


def test_04_2_cls_pooling(capsys, backbone, stsb_required):
    tokenizer, net = backbone
    pairs = data.stsb("test").sample(60, random_state=42)
    sentences = sorted(set(pairs["sentence1"]) | set(pairs["sentence2"]))
    cls, mean = exercises._cls_vectors(sentences, tokenizer, net)
    printed = accepted(capsys, exercises.check_cls_pooling, dict(zip(sentences, cls)), pairs, tokenizer, net)
    assert "(Spearman x 100)" in printed
    rejected(capsys, "these are mean-pooled vectors", exercises.check_cls_pooling,
             dict(zip(sentences, mean)), pairs, tokenizer, net)
    rejected(capsys, "have no vector", exercises.check_cls_pooling, dict(zip(sentences[1:], cls[1:])), pairs, tokenizer, net)


def test_04_3_symmetric_mnrl(capsys, minilm):
    sentences = data.course_sentences()["paraphrases"]
    anchors = minilm.encode([p["a"] for p in sentences], convert_to_tensor=True)
    positives = minilm.encode([p["b"] for p in sentences], convert_to_tensor=True)
    scaled = 20 * F.normalize(anchors, dim=1) @ F.normalize(positives, dim=1).T
    target = torch.arange(len(scaled))
    forward, backward = F.cross_entropy(scaled, target).item(), F.cross_entropy(scaled.T, target).item()
    accepted(capsys, exercises.check_symmetric_mnrl, (forward + backward) / 2, anchors, positives, minilm)
    rejected(capsys, "one direction only", exercises.check_symmetric_mnrl, forward, anchors, positives, minilm)
    rejected(capsys, "take their mean", exercises.check_symmetric_mnrl, forward + backward, anchors, positives, minilm)


# ---------------------------------------------------------------- 05
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


def test_05_3_json_stream(capsys, tmp_path):
    from datasets import Features, Value, load_dataset

    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps({"query": f"query {i}", "passage": f"passage {i}"}) + "\n" for i in range(21)))
    features = Features({"query": Value("string"), "passage": Value("string")})
    stream = load_dataset("json", data_files=str(path), split="train", streaming=True).cast(features)
    accepted(capsys, exercises.check_json_stream, stream, 6, path)  # 2 passes x ceil(21 / 8)
    rejected(capsys, "it is a step too", exercises.check_json_stream, stream, 4, path)
    rejected(capsys, "one pass over the file", exercises.check_json_stream, stream, 3, path)
    rejected(capsys, "should be a datasets.IterableDataset", exercises.check_json_stream, [], 6, path)


def _cosent(cosines, labels, scale=20.0, one_plus=True):
    differences = scale * (cosines[None, :] - cosines[:, None])  # [i, j] = s * (cos_j - cos_i)
    terms = differences[labels[:, None] > labels[None, :]]
    return torch.logsumexp(torch.cat([torch.zeros(1), terms]) if one_plus else terms, dim=0)


def test_05_4_cosent(capsys, course_split, minilm):
    train_df = course_split[0]
    accepted(capsys, exercises.check_cosent, _cosent, minilm, train_df)
    rejected(capsys, "without the 1 +", exercises.check_cosent,
             lambda c, l, s=20.0: _cosent(c, l, s, one_plus=False), minilm, train_df)
    rejected(capsys, "with the scale left out", exercises.check_cosent, lambda c, l, s=20.0: _cosent(c, l, 1.0),
             minilm, train_df)


# ---------------------------------------------------------------- 06
@pytest.fixture(scope="module")
def small_collection(short_minilm, tmp_path_factory):
    """120 newsgroup sentences (both groups) in a Milvus Lite collection shaped like lesson 06's."""
    from pymilvus import DataType, MilvusClient

    from embedding_course import vectordb

    posts = data.newsgroups(clean=True)
    texts = posts["text"].map(lambda t: " ".join(t.split())[:200])
    corpus = pd.DataFrame({"source": "newsgroups", "label": posts["label"], "text": texts})
    corpus = corpus[corpus["text"].str.len() > 20].head(120).reset_index(drop=True)
    vectors = models.embed(corpus["text"].tolist(), short_minilm)
    path = tmp_path_factory.mktemp("milvus") / "texts.db"
    client = vectordb.connect_lite(path)
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=384)
    for name, length in [("text", 1000), ("source", 20), ("label", 20)]:
        schema.add_field(name, DataType.VARCHAR, max_length=length)
    flat = client.prepare_index_params()
    flat.add_index("vector", index_type="FLAT", metric_type="COSINE")
    vectordb.fresh_collection(client, "texts", schema, flat)
    rows = [{"id": i, "vector": vectors[i], "text": r.text, "source": r.source, "label": r.label}
            for i, r in enumerate(corpus.itertuples())]
    vectordb.insert_checked(client, "texts", rows, progress=False)
    yield client, corpus, vectors, rows
    client.close()
    vectordb.remove_lite(path)


def test_06_1_filtered_search(capsys, small_collection, short_minilm):
    client, corpus, vectors, _ = small_collection
    query = "rockets and launch costs"
    query_vector = models.embed([query], short_minilm)
    hits = client.search("texts", data=query_vector, limit=3, filter='label == "sci.space"')[0]
    ids = [hit["id"] for hit in hits]
    accepted(capsys, exercises.check_filtered_search, ids, query, corpus, vectors, short_minilm)
    rejected(capsys, "not in order of similarity", exercises.check_filtered_search, ids[::-1], query, corpus, vectors,
             short_minilm)
    atheism = int(np.flatnonzero(corpus["label"] == "alt.atheism")[0])
    rejected(capsys, "is labelled 'alt.atheism'", exercises.check_filtered_search, ids[:2] + [atheism], query, corpus,
             vectors, short_minilm)


def test_06_2_upsert(capsys, small_collection, short_minilm):
    client, corpus, _, _ = small_collection
    text = "My bicycle has a flat tyre again."
    vector = models.embed([text], short_minilm)[0]
    row = {"id": 5, "vector": vector, "text": text, "source": "mine", "label": "mine"}
    client.insert("texts", [dict(row, id=10_000)])  # an insert with a new id adds a row
    client.flush("texts")
    rejected(capsys, "insert with a new id adds a row", exercises.check_upsert, client, "texts", 5, text, len(corpus),
             short_minilm)
    client.delete("texts", ids=[10_000])
    client.upsert("texts", [dict(row, vector=models.embed(["Something else entirely."], short_minilm)[0])])
    client.flush("texts")
    rejected(capsys, "a vector that belongs to another text", exercises.check_upsert, client, "texts", 5, text,
             len(corpus), short_minilm)
    client.upsert("texts", [row])
    client.flush("texts")
    accepted(capsys, exercises.check_upsert, client, "texts", 5, text, len(corpus), short_minilm)


def test_06_3_clean_rows(capsys, small_collection):
    rows = small_collection[3]

    def keep(rows, last=True):
        kept = {}
        for row in rows:
            vector = np.asarray(row["vector"], dtype=np.float32)
            if np.isfinite(vector).all() and vector.any() and (last or row["id"] not in kept):
                kept[row["id"]] = row
        return list(kept.values())

    accepted(capsys, exercises.check_clean_rows, keep, rows)
    rejected(capsys, "you kept the first row", exercises.check_clean_rows, lambda r: keep(r, last=False), rows)
    rejected(capsys, "has an infinite vector and is still there", exercises.check_clean_rows,
             lambda r: [x for x in r if not np.isnan(np.asarray(x["vector"], dtype=float)).any()], rows)
    unanswered(capsys, exercises.check_clean_rows, lambda r: None, rows)


# ---------------------------------------------------------------- 07
@pytest.fixture(scope="module")
def course_vectors(short_minilm):
    paragraphs = data.course_paragraphs()
    return paragraphs, models.embed(paragraphs["text"].tolist(), short_minilm)


def test_07_1_document_silhouette(capsys, course_vectors):
    from sklearn.decomposition import PCA
    from sklearn.metrics import silhouette_score

    paragraphs, vectors = course_vectors
    documents = paragraphs["doc_id"].to_numpy(dtype=str)
    picture = PCA(n_components=2, random_state=42).fit_transform(vectors)
    accepted(capsys, exercises.check_document_silhouette, silhouette_score(vectors, documents, metric="cosine"),
             vectors, paragraphs, picture)
    rejected(capsys, "a Euclidean silhouette", exercises.check_document_silhouette, silhouette_score(vectors, documents),
             vectors, paragraphs, picture)
    rejected(capsys, "the silhouette in the 2-D picture", exercises.check_document_silhouette,
             silhouette_score(picture, documents), vectors, paragraphs, picture)


def test_07_2_header_leak(capsys, short_minilm):
    posts = data.newsgroups()
    leaky = models.embed(posts["text"].tolist(), short_minilm)
    clean = models.embed(posts["text"].map(exercises._strip_headers).tolist(), short_minilm)
    printed = accepted(capsys, exercises.check_header_leak, leaky, clean, short_minilm)
    assert "with headers: kNN accuracy" in printed
    rejected(capsys, "these are the posts without their headers", exercises.check_header_leak, clean, clean, short_minilm)
    rejected(capsys, "leaky_vectors has shape", exercises.check_header_leak, leaky[:10], clean, short_minilm)


def test_07_3_trustworthiness(capsys, course_vectors):
    from sklearn.decomposition import PCA
    from sklearn.manifold import trustworthiness

    vectors = course_vectors[1]
    picture = PCA(n_components=2, random_state=42).fit_transform(vectors)
    for k in (5, 10):  # the check's reference formula is scikit-learn's
        assert exercises._trustworthiness(vectors, picture, k) == pytest.approx(
            trustworthiness(vectors, picture, n_neighbors=k, metric="cosine"), abs=1e-9)
    accepted(capsys, exercises.check_trustworthiness, exercises._trustworthiness, vectors, picture)
    rejected(capsys, "your ranks start at 0", exercises.check_trustworthiness,
             lambda f, p, k: exercises._trustworthiness(f, p, k, first_rank=0), vectors, picture)
    unanswered(capsys, exercises.check_trustworthiness, lambda f, p, k: None, vectors, picture)


# ---------------------------------------------------------------- 08
@pytest.fixture(scope="module")
def bounds(minilm):
    return exercises._paragraph_bounds(minilm.tokenizer)


def test_08_1_overlap_windows(capsys, minilm, bounds):
    tokenizer = minilm.tokenizer
    printed = accepted(capsys, exercises.check_overlap_windows, pd.DataFrame(exercises._window_rows(bounds, 100, 20)),
                       tokenizer)
    assert "(without overlap: 333)" in printed  # lesson 08's count of 100-token windows
    rejected(capsys, "so they do not overlap", exercises.check_overlap_windows,
             pd.DataFrame(exercises._window_rows(bounds, 100)), tokenizer)
    one_more = []
    for doc_id, edges in bounds.items():  # a naive loop that runs to the last piece adds a window inside the last one
        n = int(edges[-1])
        one_more += [{"doc_id": doc_id, "start_token": s, "end_token": min(s + 100, n)} for s in range(0, n, 80)]
    rejected(capsys, "lies inside the one before it", exercises.check_overlap_windows, pd.DataFrame(one_more), tokenizer)


def test_08_2_sentence_chunker(capsys, minilm):
    tokenizer = minilm.tokenizer

    def count(text):
        return len(tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def one_per_sentence(paragraphs, budget=100):
        return [s for p in paragraphs for s in re.split(r"(?<=[.!?])\s+", p.strip())]

    def across_paragraphs(paragraphs, budget=100):
        return exercises._sentence_chunks([" ".join(paragraphs)], count, budget)

    accepted(capsys, exercises.check_sentence_chunker, lambda p, b=100: exercises._sentence_chunks(p, count, b), tokenizer)
    rejected(capsys, "would fit together", exercises.check_sentence_chunker, one_per_sentence, tokenizer)
    rejected(capsys, "runs across a paragraph boundary", exercises.check_sentence_chunker, across_paragraphs, tokenizer)


def test_08_3_stricter_judges(capsys, minilm, bounds):
    spans = {(r["doc_id"], r["first_paragraph"]): r for r in exercises._window_rows(bounds, None)}

    def judge(chunk, question, share_of):
        span = spans[(question.doc_id, question.paragraph)]
        shared = max(0, min(chunk["end_token"], span["end_token"]) - max(chunk["start_token"], span["start_token"]))
        whole = chunk["tokens"] if share_of == "chunk" else span["tokens"]
        return chunk["doc_id"] == question.doc_id and shared >= whole / 2

    def by_chunk(c, q):
        return judge(c, q, "chunk")

    def by_paragraph(c, q):
        return judge(c, q, "paragraph")

    printed = accepted(capsys, exercises.check_stricter_judges, by_chunk, by_paragraph, minilm.tokenizer)
    assert "accepted no 50-token window" in printed
    rejected(capsys, "it should measure the share of the chunk", exercises.check_stricter_judges,
             by_paragraph, by_paragraph, minilm.tokenizer)
    rejected(capsys, "accepts a chunk of another document", exercises.check_stricter_judges,
             lambda c, q: judge(dict(c, doc_id=q.doc_id), q, "chunk"), by_paragraph, minilm.tokenizer)


# ---------------------------------------------------------------- the lessons and their solutions
def _exercise_cells(notebook) -> list:
    heading = max(i for i, c in enumerate(notebook.cells) if c.cell_type == "markdown" and "## Exercises" in c.source)
    return notebook.cells[heading:]


def _called_checks(cells) -> set[str]:
    return {name for c in cells if c.cell_type == "code" for name in re.findall(r"exercises\.(check_\w+)\(", c.source)}


def _stream_text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def test_there_is_a_lesson_for_every_set_of_checks():
    lessons = {path.name[:2] for path in LESSONS}
    assert {key.split(".")[0] for key in exercises.REGISTRY} <= lessons
    assert len(lessons) == 9


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_every_lesson_ends_with_checked_exercises_and_has_solutions(lesson):
    number = lesson.name[:2]
    cells = _exercise_cells(nbformat.read(lesson, as_version=4))
    called = _called_checks(cells)
    assert called, f"{lesson.name}: no exercise cell calls a check"
    for name in called:
        assert hasattr(exercises, name), f"{lesson.name} calls exercises.{name}, which does not exist"
    keys = {getattr(exercises, name).exercise for name in called}
    assert keys == set(exercises.checks_of(number)), f"{lesson.name}: its exercise cells call {sorted(keys)}"
    assert 2 <= len(keys) <= 4
    intro = cells[0].source
    solutions = REPO / "solutions" / f"{lesson.stem}_solutions.ipynb"
    assert f"../solutions/{solutions.name}" in intro and "minutes" in intro
    for cell in cells:  # stored as a learner gets them: every template unanswered
        if cell.cell_type == "code" and "exercises.check_" in cell.source:
            assert "not answered yet" in _stream_text(cell), cell.source
    assert solutions.exists(), f"{solutions} is missing"
    solved = nbformat.read(solutions, as_version=4).cells
    assert _called_checks(solved) == called
    printed = "".join(_stream_text(c) for c in solved if c.cell_type == "code")
    for key in keys:
        assert re.search(rf"Exercise {re.escape(key)} \([^)]*\): right\.", printed), f"{solutions.name}: {key} not right"
    assert not [o for c in solved for o in c.get("outputs", []) if o.get("output_type") == "error"]


def test_solutions_belong_to_lessons():
    stems = {path.stem for path in LESSONS}
    for path in (REPO / "solutions").glob("*.ipynb"):
        assert path.stem.removesuffix("_solutions") in stems, f"{path.name} has no lesson"
