"""Parameter studies: how does one setting change the result? Optuna runs them; this package says what to run.

A grid study is one parameter and its values, each trained with seeds 0..repeat-1; a search study lets
Optuna's TPE sampler look for the best values of 1–3 parameters in a number of trials.

    params.py    which settings can be studied; values and search ranges parsed and checked
    plan.py      StudyPlan (what a study runs) and one trial's training config
    storage.py   the journal file in the app folder; opening a study again (resuming)
    running.py   running the trials, in this thread or in worker processes
    results.py   trials as rows, per-value summaries, the verdict in words, CSV, the report

Callers use this package's names (`from mnist_gui.core import study; study.run_study(...)`).
Nothing here imports Qt; torch and Optuna are imported when a study is opened.
"""

from mnist_gui.core.study.params import (
                                         LOG_AXIS,
                                         SEARCH_RANGES,
                                         SEED,
                                         STUDY_PARAMS,
                                         Param,
                                         StudyError,
                                         base_network,
                                         parameter,
                                         parse_search,
                                         parse_values,
                                         value_range,
)
from mnist_gui.core.study.plan import StudyPlan, TrialFailed, trial_config
from mnist_gui.core.study.results import (
                                         TrialRow,
                                         ValueSummary,
                                         fmt_value,
                                         importances,
                                         noise_text,
                                         study_csv,
                                         study_report,
                                         summarize,
                                         trial_rows,
                                         trial_state,
                                         verdict,
)
from mnist_gui.core.study.running import run_study, run_trials
from mnist_gui.core.study.storage import HOST, load_study, open_study, storage_for, studies_dir, study_plan

__all__ = [
    "HOST", "LOG_AXIS", "SEARCH_RANGES", "SEED", "STUDY_PARAMS", "Param", "StudyError", "StudyPlan", "TrialFailed",
    "TrialRow", "ValueSummary", "base_network", "fmt_value", "importances", "load_study", "noise_text", "verdict",
    "open_study", "parameter", "parse_search", "parse_values", "run_study", "run_trials", "storage_for",
    "studies_dir", "study_csv", "study_plan", "study_report", "summarize", "trial_config", "trial_rows",
    "trial_state", "value_range",
]
