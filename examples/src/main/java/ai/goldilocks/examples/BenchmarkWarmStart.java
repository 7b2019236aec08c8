package ai.goldilocks.examples;

import static ai.goldilocks.examples.BenchmarkRecipe.PROBE_EVERY;
import static ai.goldilocks.examples.BenchmarkRecipe.PROBE_GROUP;
import static ai.goldilocks.examples.BenchmarkRecipe.PROBE_SIZE;
import static ai.goldilocks.examples.BenchmarkRecipe.STAGE1_HARD;
import static ai.goldilocks.examples.BenchmarkRecipe.STAGE1_LR;
import static ai.goldilocks.examples.BenchmarkRecipe.STAGE2_HARD;
import static ai.goldilocks.examples.BenchmarkRecipe.STAGE2_LR;
import static ai.goldilocks.examples.BenchmarkRecipe.STAGE2_STOP_HARD_P;

import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.djl.TransformerConfig;
import ai.goldilocks.grpo.Sequence;
import ai.goldilocks.grpo.tasks.ArithmeticTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The benchmark's warm start: two supervised stages with every length present, each cached by its
 * whole recipe ({@link WarmStartCache}).
 */
final class BenchmarkWarmStart {
  private static final Logger LOG = LoggerFactory.getLogger(BenchmarkWarmStart.class);
  /** Bumped whenever the warm start's recipe changes, so a stale cache entry is never reused. */
  private static final String RECIPE = "two-stage-v1";
  private static final String RECIPE_PADDED = "two-stage-v2-padded";

  private final CharTokenizer tok;
  private final TransformerConfig modelConfig;
  private final boolean zeroPad;
  private final WarmStartCache cache;
  private final BenchmarkEvaluation evaluation;

  BenchmarkWarmStart(CharTokenizer tok, TransformerConfig modelConfig, boolean zeroPad, WarmStartCache cache,
      BenchmarkEvaluation evaluation) {
    this.tok = tok;
    this.modelConfig = modelConfig;
    this.zeroPad = zeroPad;
    this.cache = cache;
    this.evaluation = evaluation;
  }

  /**
   * Two supervised stages with every length present: stage 1 (easy-heavy, 3% hard items) teaches the
   * format and the short sums; stage 2 raises the hard bands to 35% of the items and is stopped
   * early, while they are still being learned: every {@value BenchmarkRecipe#PROBE_EVERY} steps it
   * measures the exact p of a probe of fresh questions (its own seed, even across the bands) and
   * ends at the first probe whose hard bands reach a mean p of
   * {@value BenchmarkRecipe#STAGE2_STOP_HARD_P}, keeping the weights of that probe or of the one
   * before, whichever lies nearer the target (a band can jump from 0.1 to 0.6 within 40 steps), or
   * at {@code stage2} steps (the learning-rate schedule spans {@code stage2}). The same rule for
   * every seed; it reads nothing of the held-out metric or of any GRPO run. Each probe (hard-band
   * p, p per band, the expected mixed fraction at G = {@value BenchmarkRecipe#PROBE_GROUP}) goes
   * into {@code info}. Returns the folder of the warm-started weights.
   */
  Path train(long seed, int stage1, int stage2, Map<String, Object> info) throws IOException {
    String first = String.join("|", zeroPad ? RECIPE_PADDED : RECIPE, Long.toString(seed), modelConfig.toString(),
        tok.alphabet(), "batch=64",
        "stage1=" + stage1 + ",hardShare=" + STAGE1_HARD + ",lr=1e-3>1e-4");
    String second = first + "|stage2=" + stage2 + ",hardShare=" + STAGE2_HARD + ",lr=" + STAGE2_LR + ">1e-4"
        + "|stop=hardP>=" + STAGE2_STOP_HARD_P + ",nearer-of-last-two,probe=" + PROBE_SIZE + ",every=" + PROBE_EVERY;
    Path stage1Dir = cache.cached(first, info, "stage1", p -> {
      Rng rng = BenchmarkRecipe.warmRng(seed, 1);
      return Map.of("skippedSteps", ArmRun.warmStart(p, stage1, STAGE1_LR, s -> batch(rng, STAGE1_HARD)));
    }, seed, null);
    return cache.cached(second, info, "stage2", p -> {
      Rng rng = BenchmarkRecipe.warmRng(seed, 2);
      List<ArithmeticTask> probe = BenchmarkRecipe.probeSet(seed, zeroPad);
      List<Map<String, Object>> trajectory = new ArrayList<>();
      Path previous = Files.createTempDirectory(cache.folder(), ".stage2-previous");
      int[] kept = {0};
      try {
        java.util.function.IntPredicate probeAndStop = done -> {
          if (done % PROBE_EVERY != 0 && done != stage2) {
            return false;
          }
          Map<String, Object> row = evaluation.probeFrontier(p, probe, done);
          double hard = (Double) row.get("hardMeanP");
          LOG.info("stage 2 probe at {} steps: hard-band p {} (stop at {}), mixed@{} {}", done, hard, STAGE2_STOP_HARD_P, PROBE_GROUP,
              row.get("mixedFraction"));
          try {
            kept[0] = done;
            if (hard >= STAGE2_STOP_HARD_P) {
              // keep whichever of this probe and the one before lies nearer the target: a band can jump past it in a few steps
              if (!trajectory.isEmpty()) {
                Map<String, Object> before = trajectory.get(trajectory.size() - 1);
                if (STAGE2_STOP_HARD_P - (Double) before.get("hardMeanP") < hard - STAGE2_STOP_HARD_P) {
                  p.load(previous);
                  kept[0] = (Integer) before.get("steps");
                }
              }
              trajectory.add(row);
              return true;
            }
            trajectory.add(row);
            p.save(previous);
            return false;
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        };
        int skipped = ArmRun.warmStart(p, stage2, STAGE2_LR, s -> batch(rng, STAGE2_HARD), probeAndStop);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("skippedSteps", skipped);
        d.put("stepsRun", trajectory.get(trajectory.size() - 1).get("steps"));
        d.put("weightsOf", kept[0]);
        d.put("reachedTarget", (Double) trajectory.get(trajectory.size() - 1).get("hardMeanP") >= STAGE2_STOP_HARD_P);
        d.put("probes", trajectory);
        return d;
      } finally {
        ArmRun.deleteTree(previous);
      }
    }, seed, stage1Dir);
  }

  /** 64 supervised items: a hard band (4-6 digits) with probability {@code hardShare}, else an easy one. */
  private List<Sequence> batch(Rng rng, double hardShare) {
    List<Sequence> b = new ArrayList<>(BenchmarkRecipe.WARM_BATCH);
    for (ArithmeticTask t : BenchmarkRecipe.warmTasks(rng, hardShare, zeroPad)) {
      b.add(BenchmarkRecipe.sequence(tok, t));
    }
    return b;
  }
}
