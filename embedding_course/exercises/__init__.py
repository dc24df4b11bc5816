"""Checks for the lessons' exercises: the learner answers in a cell, a check says what is right or wrong.

Every lesson ends with 2-4 exercises. Each exercise cell holds a template (``None`` or a function
whose body is ``...``) and ends with a call to one check of this module::

    from embedding_course import exercises

    longest_model = None   # your answer
    longest_dim = None
    exercises.check_longest_vectors(longest_model, longest_dim)

A check works out the right answer itself, from the course's real data and models (or from what
the lesson computed and passed in), compares, and **prints** specific feedback that does not give
the answer away; it returns True (right) or False. An unanswered template prints "not answered
yet" and returns False: a check never raises, so a lesson with untouched exercises runs top to
bottom in CI. Solutions live in ``solutions/NN_name_solutions.ipynb``.

>>> check_longest_vectors(None, None)
Exercise 00.1 (the longest vectors): not answered yet. Replace the None (or ...) in the cell with your answer and run it again.
False

:data:`REGISTRY` maps each exercise ("01.2") to its check; :func:`checks_of` lists one lesson's.
"""

# The package's names: the core, and every lesson's checks (importing a lesson's module registers its checks).
from .core import REGISTRY, NotAnswered, Wrong, checks_of, exercise  # noqa: F401
from .lesson_00 import check_longest_vectors, check_model_files, check_same_meaning
from .lesson_01 import check_bigrams, check_idf_by_hand, check_negation_stop_words, check_tfidf_search
from .lesson_02 import check_bidirectional_gru, check_family_analogies, check_idf_weighted_glove, check_lstm_encoder
from .lesson_03 import check_ambiguous_word, check_cross_encoder_score, check_pair_input, check_token_counts
from .lesson_04 import check_cls_pooling, check_false_positive, check_symmetric_mnrl
from .lesson_05 import check_cosent, check_json_stream, check_mixed_training_set, check_mnrl_dataset
from .lesson_06 import check_clean_rows, check_filtered_search, check_upsert
from .lesson_07 import check_document_silhouette, check_header_leak, check_trustworthiness
from .lesson_08 import check_overlap_windows, check_sentence_chunker, check_stricter_judges
from .lesson_09 import check_bm25_beats_dense, check_rrf_constant
from .lesson_10 import check_rescore_candidates, check_sixteen_bytes
from .lesson_11 import check_false_negatives, check_wins_and_losses

#: The public names: the registry, :func:`checks_of`, and every check in the order the lessons define them.
__all__ = ["REGISTRY", "checks_of", *(check.__name__ for check in REGISTRY.values())]
