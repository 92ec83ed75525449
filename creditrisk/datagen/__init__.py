"""The raw-data generator: Freddie Mac-format loans, company statements, macro and ground truth.

``generate(config, settings)`` writes everything under ``settings.raw_dir``; see
``docs/data.md`` for the formats and the model behind the numbers.
"""

from creditrisk.datagen.config import GeneratorConfig
from creditrisk.datagen.generate import GenerationSummary, generate

__all__ = ["GenerationSummary", "GeneratorConfig", "generate"]
