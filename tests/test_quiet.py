"""The context managers that hide the libraries' log lines and progress bars: hidden inside the block,
exactly as before after it, also when the block raises."""

import logging

import pytest

from embedding_course import quiet


@pytest.fixture
def hf_logging():
    from transformers.utils import logging as hf_logging

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    yield hf_logging
    hf_logging.set_verbosity(verbosity)
    (hf_logging.enable_progress_bar if bars else hf_logging.disable_progress_bar)()


def test_transformers_warnings_are_hidden_inside_only(hf_logging, caplog):
    hf_logging.set_verbosity_warning()
    logger = hf_logging.get_logger("transformers.modeling_utils")
    st_logger = logging.getLogger("sentence_transformers.cross_encoder")
    with quiet.quiet_transformers_logs():
        logger.warning("newly initialized: hidden")
        st_logger.warning("sentence-transformers: hidden")
        logger.error("an error: shown")
    logger.warning("after the block: shown")
    assert [r.getMessage() for r in caplog.records] == ["an error: shown", "after the block: shown"]


def test_levels_come_back_after_an_error(hf_logging):
    hf_logging.set_verbosity_info()
    st_logger = logging.getLogger("sentence_transformers")
    st_logger.setLevel(logging.DEBUG)
    try:
        with pytest.raises(RuntimeError), quiet.quiet_transformers_logs():
            raise RuntimeError("inside the block")
        assert hf_logging.get_verbosity() == logging.INFO and st_logger.level == logging.DEBUG
    finally:
        st_logger.setLevel(logging.NOTSET)


@pytest.mark.filterwarnings("ignore:Cannot enable progress bars")  # huggingface_hub's, under HF_HUB_DISABLE_PROGRESS_BARS=1
@pytest.mark.parametrize("enabled", [True, False])
def test_progress_bars_hidden_inside_and_left_as_they_were(hf_logging, enabled):
    (hf_logging.enable_progress_bar if enabled else hf_logging.disable_progress_bar)()
    with quiet.hidden_progress_bars():
        assert not hf_logging.is_progress_bar_enabled()
    assert hf_logging.is_progress_bar_enabled() is enabled


def test_milvus_error_logs_hidden_inside_only(caplog):
    logger, level = logging.getLogger("pymilvus.decorators"), logging.getLogger("pymilvus").level
    with pytest.raises(ValueError), quiet.quiet_milvus_logs():
        logger.error("RPC error: hidden")
        logging.getLogger("milvus_lite.server").critical("server log: hidden")
        raise ValueError("the exception itself still comes through")
    logger.error("after the block: shown")
    assert [r.getMessage() for r in caplog.records] == ["after the block: shown"]
    assert logging.getLogger("pymilvus").level == level
