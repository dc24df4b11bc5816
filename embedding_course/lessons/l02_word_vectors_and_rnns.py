# Generated from notebooks/02_word_vectors_and_rnns.ipynb by tools/export_lessons.py: do not edit.
# Change the lesson's #@save cells instead, then run `make export`.
"""Code taught in notebooks/02_word_vectors_and_rnns.ipynb, for later lessons, checks and tools to import."""

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from torch import nn
from tqdm.auto import tqdm
import numpy as np
import re
import torch


def analogy(glove, unit, a, b, c, topn=3):
    # unit: glove's vectors scaled to length 1. a - b + c, then the words whose vectors have the highest cosine with it
    target = unit[glove.key_to_index[a]] - unit[glove.key_to_index[b]] + unit[glove.key_to_index[c]]
    scores = unit @ (target / np.linalg.norm(target))
    best = [i for i in np.argsort(-scores)[: topn + 3] if glove.index_to_key[i] not in (a, b, c)]
    return [(glove.index_to_key[i], round(float(scores[i]), 3)) for i in best[:topn]]


def glove_words(text):
    # lower-case words of letters, digits and apostrophes, as GloVe spells them
    return re.findall(r"[a-z0-9']+", text.lower())


def mean_glove(text, glove, stop_words=ENGLISH_STOP_WORDS):
    words = [w for w in glove_words(text) if w in glove.key_to_index and w not in stop_words]
    return np.mean([glove[w] for w in words], axis=0)


class GRUEncoder(nn.Module):
    # GloVe vectors -> GRU -> final hidden state (the text's embedding) -> class scores

    def __init__(self, word_vectors, hidden_size=32, n_classes=2):
        super().__init__()
        self.emb = nn.Embedding.from_pretrained(torch.from_numpy(word_vectors), freeze=True)
        self.gru = nn.GRU(word_vectors.shape[1], hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, n_classes)

    def encode(self, texts):
        # texts: a list of 1-d tensors of token ids; returns one final hidden state per text
        lengths = torch.tensor([len(ids) for ids in texts])
        padded = nn.utils.rnn.pad_sequence(texts, batch_first=True)
        packed = nn.utils.rnn.pack_padded_sequence(self.emb(padded), lengths, batch_first=True, enforce_sorted=False)
        _, last = self.gru(packed)
        return last[0]

    def states(self, ids):
        # the hidden state after every token of one text: (tokens, hidden_size)
        return self.gru(self.emb(ids)[None])[0][0]

    def forward(self, texts):
        return self.head(self.encode(texts))


def ids_of(text, glove, max_tokens=100):
    # GloVe row numbers of the text's words (words without a vector are skipped), at most max_tokens
    return torch.tensor([glove.key_to_index[w] for w in glove_words(text) if w in glove.key_to_index][:max_tokens])


def train_classifier(model, texts, labels, train_idx, epochs=15, batch_size=16, lr=5e-3, seed=42, desc="training"):
    # cross-entropy on the model's class scores, Adam, batches in an order drawn from a seeded generator;
    # returns the mean training loss of every epoch
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    order = np.random.default_rng(seed)
    history = []
    for epoch in (bar := tqdm(range(epochs), desc=desc)):
        model.train()
        total = 0.0
        shuffled = order.permutation(train_idx)
        for first in range(0, len(shuffled), batch_size):
            batch = shuffled[first:first + batch_size]
            loss = nn.functional.cross_entropy(model([texts[i] for i in batch]), torch.tensor(labels[batch]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        history.append(total / len(shuffled))
        bar.set_postfix(loss=f"{history[-1]:.3f}")
    return history


def unit_rows(vectors):
    # every row divided by its length: then a dot product of two rows is their cosine
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@torch.no_grad()
def replace_window(model, texts, donors, labels, start, window=20):
    # every text with its tokens start .. start + window - 1 taken from its donor instead: how far the final
    # state moves (cosine with the original state) and how much the probability of the true label drops, on average
    changed = [torch.cat([ids[:start], donor[start:start + window], ids[start + window:]])
               for ids, donor in zip(texts, donors)]
    states, original = model.encode(changed), model.encode(texts)
    rows = torch.arange(len(texts))
    p_true = torch.softmax(model.head(states), dim=1)[rows, labels]
    p_true_original = torch.softmax(model.head(original), dim=1)[rows, labels]
    return {"cosine with original state": nn.functional.cosine_similarity(states, original).mean().item(),
            "drop in P(true topic)": (p_true_original - p_true).mean().item()}
