package ai.goldilocks.grpo;

import ai.goldilocks.core.Selection;
import java.util.List;

/** One question's group as the trainer holds it: the pick, its G completions and their rewards. */
record RolloutGroup(Selection selection, List<Completion> completions, double[] rewards) {}
