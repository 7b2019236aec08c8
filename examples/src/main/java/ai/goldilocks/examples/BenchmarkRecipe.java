package ai.goldilocks.examples;

import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.Sequence;
import ai.goldilocks.grpo.tasks.ArithmeticTask;
import ai.goldilocks.grpo.tasks.ArithmeticTasks;
import ai.goldilocks.grpo.tasks.ReversedAnswerReward;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What {@code benchmark} is made of, for a seed: the task's digit bands, the held-out set, the
 * training pool, the warm start's probe and batches and their constants, and the sampling of
 * rollouts and greedy evaluation. {@code benchmark-export} writes the same questions for other
 * trainers.
 */
final class BenchmarkRecipe {
  static final int MAX_DIGITS = 6;
  static final int EASY_BANDS = 3;
  /** Positions of the policy: prompt, answer and end marker of the longest question fit. */
  static final int MAX_LENGTH = 32;

  static final double STAGE1_HARD = 0.03;
  static final double STAGE2_HARD = 0.35;
  static final double STAGE2_LR = 5e-4;
  static final double STAGE1_LR = 1e-3;
  static final int WARM_BATCH = 64;
  static final int PROBE_SIZE = 600;
  static final int PROBE_GROUP = 8;
  static final int PROBE_EVERY = 20;
  /** Stage 2 stops once the probe's hard bands (4-6 digits) reach this mean p (the prototype stopped at 0.17). */
  static final double STAGE2_STOP_HARD_P = 0.15;

  /** Rollouts: temperature 1, no nucleus, room for the longest answer and the end marker. */
  static final SamplingConfig ROLLOUT = new SamplingConfig(1.0, 1.0, MAX_DIGITS + 2);
  /** Greedy decoding (a nucleus of one token). */
  static final SamplingConfig GREEDY = new SamplingConfig(1.0, 1e-9, MAX_DIGITS + 2);

  private BenchmarkRecipe() {}

  /** The held-out questions of a seed: {@code n} spread evenly over the digit bands. */
  static List<ArithmeticTask> heldOutSet(int n, long seed, boolean zeroPad) {
    return bands(n, seed * 7 + 2, "v", Set.of(), zeroPad);
  }

  /** The training pool of a seed: {@code n} questions spread over the bands, none with a prompt of {@code heldOut}. */
  static List<ArithmeticTask> poolSet(int n, long seed, List<ArithmeticTask> heldOut, boolean zeroPad) {
    Set<String> heldOutPrompts = new HashSet<>();
    heldOut.forEach(t -> heldOutPrompts.add(t.prompt()));
    return bands(n, seed * 7 + 1, "t", heldOutPrompts, zeroPad);
  }

  /** The fresh questions stage 2 of the warm start probes to decide when to stop. */
  static List<ArithmeticTask> probeSet(long seed, boolean zeroPad) {
    return bands(PROBE_SIZE, seed * 7 + 3, "probe", Set.of(), zeroPad);
  }

  /** The random stream of warm-start stage 1 ({@code stage} 1) or 2 of a seed. */
  static Rng warmRng(long seed, int stage) {
    return new Rng(seed * 13 + (stage == 1 ? 5 : 6));
  }

  /** {@code n} tasks spread evenly over the digit bands 1..6, skipping prompts in {@code exclude}. */
  static List<ArithmeticTask> bands(int n, long seed, String prefix, Set<String> exclude, boolean zeroPad) {
    Rng rng = new Rng(seed);
    List<ArithmeticTask> out = new ArrayList<>(n);
    Set<String> seen = new HashSet<>(exclude);
    int attempts = 0;
    while (out.size() < n && attempts++ < 50 * n) {
      int digits = 1 + out.size() % MAX_DIGITS;
      ArithmeticTask t = ArithmeticTasks.addOrSubtract(rng, digits, prefix + out.size(), zeroPad);
      if (seen.add(t.prompt())) {
        out.add(t);
      } else if (digits == 1) {
        // one-digit sums are few: allow repeats of them rather than loop
        out.add(new ArithmeticTask(prefix + out.size(), t.prompt(), t.answer(), t.operation(), t.maxDigits(), t.carries(),
            t.structuralDifficulty()));
      }
    }
    return out;
  }

  /** The questions of one warm-start batch, drawn from {@code rng}: what {@code benchmark-export} writes, step by step. */
  static List<ArithmeticTask> warmTasks(Rng rng, double hardShare, boolean zeroPad) {
    List<ArithmeticTask> b = new ArrayList<>(WARM_BATCH);
    for (int i = 0; i < WARM_BATCH; i++) {
      int digits = rng.nextDouble() < hardShare ? EASY_BANDS + 1 + rng.nextInt(MAX_DIGITS - EASY_BANDS) : 1 + rng.nextInt(EASY_BANDS);
      b.add(ArithmeticTasks.addOrSubtract(rng, digits, "warm", zeroPad));
    }
    return b;
  }

  /** A task as a supervised sequence: the prompt, then the reversed answer and the end marker. */
  static Sequence sequence(CharTokenizer tok, ArithmeticTask t) {
    int[] answer = tok.encode(ReversedAnswerReward.target(t.answer()));
    int[] completion = java.util.Arrays.copyOf(answer, answer.length + 1);
    completion[answer.length] = tok.eosId();
    return new Sequence(tok.encode(t.prompt()), completion);
  }

  /** The chance that a group of {@code g} rollouts of a question with success rate {@code p} is mixed: 1 - p^g - (1-p)^g. */
  static double mixedChance(double p, int g) {
    return 1 - Math.pow(p, g) - Math.pow(1 - p, g);
  }
}
