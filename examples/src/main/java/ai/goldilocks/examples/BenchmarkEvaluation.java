package ai.goldilocks.examples;

import static ai.goldilocks.examples.BenchmarkRecipe.EASY_BANDS;
import static ai.goldilocks.examples.BenchmarkRecipe.MAX_DIGITS;

import ai.goldilocks.djl.CharTokenizer;
import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.Sequence;
import ai.goldilocks.grpo.tasks.ArithmeticTask;
import ai.goldilocks.grpo.tasks.ReversedAnswerReward;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How {@code benchmark} measures a policy: the exact success probability of each question (one
 * teacher-forced pass), summarised over the held-out set per digit band, greedy accuracy and
 * mean@8, the frontier before RL and the warm start's probes.
 */
final class BenchmarkEvaluation {
  private final CharTokenizer tok;

  BenchmarkEvaluation(CharTokenizer tok) {
    this.tok = tok;
  }

  /**
   * The exact success probability at temperature 1 of each task: the probability of sampling the
   * reversed answer and then the end marker, exp(sum of their log-probabilities), one
   * teacher-forced pass. Exact-match rewards with one canonical answer make this the true p.
   */
  double[] exactP(TransformerPolicy p, List<ArithmeticTask> tasks) {
    double[] out = new double[tasks.size()];
    for (int from = 0; from < tasks.size(); from += 512) {
      List<Sequence> chunk = new ArrayList<>();
      for (int i = from; i < Math.min(tasks.size(), from + 512); i++) {
        chunk.add(BenchmarkRecipe.sequence(tok, tasks.get(i)));
      }
      double[][] lp = p.logProbs(chunk, BenchmarkRecipe.ROLLOUT.temperature());
      for (int i = 0; i < lp.length; i++) {
        double s = 0;
        for (double x : lp[i]) {
          s += x;
        }
        out[from + i] = Math.exp(s);
      }
    }
    return out;
  }

  /**
   * Held-out evaluation: the exact mean p overall and per digit band (the primary metric, under
   * "accuracy" for {@link ArmRun}); with {@code full}, also greedy accuracy on 100 questions per band
   * and sampled mean@8 on 50 per band.
   */
  Map<String, Object> evaluate(TransformerPolicy p, List<ArithmeticTask> tasks, boolean full) {
    double[] ps = exactP(p, tasks);
    double[] sum = new double[MAX_DIGITS + 1];
    int[] count = new int[MAX_DIGITS + 1];
    double all = 0;
    for (int i = 0; i < ps.length; i++) {
      all += ps[i];
      sum[tasks.get(i).maxDigits()] += ps[i];
      count[tasks.get(i).maxDigits()]++;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    double meanP = all / ps.length;
    m.put("accuracy", meanP);
    m.put("meanP", Json.round(meanP, 5));
    Map<String, Object> byBand = new LinkedHashMap<>();
    double hard = 0;
    int hardN = 0;
    double easyMin = 1;
    for (int d = 1; d <= MAX_DIGITS; d++) {
      byBand.put(Integer.toString(d), count[d] == 0 ? null : Json.round(sum[d] / count[d], 5));
      if (d > EASY_BANDS) {
        hard += sum[d];
        hardN += count[d];
      } else if (count[d] > 0) {
        easyMin = Math.min(easyMin, sum[d] / count[d]);
      }
    }
    m.put("meanPByBand", byBand);
    m.put("hardMeanP", Json.round(hardN == 0 ? Double.NaN : hard / hardN, 5));
    m.put("easyBandMin", Json.round(easyMin, 5));
    if (full) {
      List<ArithmeticTask> sub = perBand(tasks, 100);
      m.put("greedyAccuracy", Json.round(sampledAccuracy(p, sub, BenchmarkRecipe.GREEDY, 1), 4));
      m.put("meanAt8", Json.round(sampledAccuracy(p, perBand(tasks, 50), BenchmarkRecipe.ROLLOUT, 8), 4));
    }
    return m;
  }

  private static List<ArithmeticTask> perBand(List<ArithmeticTask> tasks, int n) {
    int[] taken = new int[MAX_DIGITS + 1];
    List<ArithmeticTask> out = new ArrayList<>();
    for (ArithmeticTask t : tasks) {
      if (taken[t.maxDigits()]++ < n) {
        out.add(t);
      }
    }
    return out;
  }

  /** Fraction of {@code samples} completions per task that are right; prompts batched by length. */
  private double sampledAccuracy(TransformerPolicy p, List<ArithmeticTask> tasks, SamplingConfig sampling, int samples) {
    Map<Integer, List<ArithmeticTask>> byLength = new TreeMap<>();
    for (ArithmeticTask t : tasks) {
      byLength.computeIfAbsent(t.prompt().length(), k -> new ArrayList<>()).add(t);
    }
    long right = 0;
    long total = 0;
    for (List<ArithmeticTask> same : byLength.values()) {
      for (int from = 0; from < same.size(); from += 64) {
        List<ArithmeticTask> chunk = same.subList(from, Math.min(same.size(), from + 64));
        int[][] prompts = new int[chunk.size() * samples][];
        for (int i = 0; i < prompts.length; i++) {
          prompts[i] = tok.encode(chunk.get(i / samples).prompt());
        }
        List<Completion> cs = p.generateBatch(prompts, sampling, 17 + from);
        for (int i = 0; i < prompts.length; i++) {
          right += cs.get(i).text().equals(ReversedAnswerReward.target(chunk.get(i / samples).answer())) ? 1 : 0;
          total++;
        }
      }
    }
    return total == 0 ? Double.NaN : (double) right / total;
  }

  /**
   * The frontier before RL: over pool questions, the expected fraction whose G samples are mixed
   * (1 - p^G - (1-p)^G) and the gap pass@G - mean@G (1 - (1-p)^G - p), both exact expectations
   * from the exact p, so the check itself adds no sampling noise.
   */
  Map<String, Object> frontier(TransformerPolicy p, List<ArithmeticTask> sample, int g) {
    double[] ps = exactP(p, sample);
    double mixed = 0;
    double gap = 0;
    for (double x : ps) {
      mixed += BenchmarkRecipe.mixedChance(x, g);
      gap += 1 - Math.pow(1 - x, g) - x;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("questions", ps.length);
    m.put("groupSize", g);
    m.put("mixedFraction", Json.round(mixed / ps.length, 4));
    m.put("passAtGMinusMeanAtG", Json.round(gap / ps.length, 4));
    return m;
  }

  /** One frontier probe of the warm start's stage 2: the exact p of each probe question, summarised. */
  Map<String, Object> probeFrontier(TransformerPolicy p, List<ArithmeticTask> probe, int steps) {
    double[] ps = exactP(p, probe);
    double mixed = 0;
    double hard = 0;
    int hardN = 0;
    double[] band = new double[MAX_DIGITS + 1];
    int[] bandN = new int[MAX_DIGITS + 1];
    for (int i = 0; i < ps.length; i++) {
      mixed += BenchmarkRecipe.mixedChance(ps[i], BenchmarkRecipe.PROBE_GROUP);
      int d = probe.get(i).maxDigits();
      band[d] += ps[i];
      bandN[d]++;
      if (d > EASY_BANDS) {
        hard += ps[i];
        hardN++;
      }
    }
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("steps", steps);
    row.put("mixedFraction", Json.round(mixed / ps.length, 4));
    row.put("hardMeanP", Json.round(hard / Math.max(1, hardN), 4));
    List<Double> byBand = new ArrayList<>();
    for (int d = 1; d <= MAX_DIGITS; d++) {
      byBand.add(Json.round(band[d] / Math.max(1, bandN[d]), 4));
    }
    row.put("meanPByBand", byBand);
    return row;
  }
}
