package ai.goldilocks.examples;

import ai.goldilocks.djl.TransformerPolicy;
import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.data.MathProblem;
import ai.goldilocks.grpo.math.MathAnswers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How {@code omr} measures a policy on held-out problems: greedy accuracy (the primary value,
 * "accuracy"), and mean@k, the share of k samples at the rollout temperature that the math
 * verifier accepts (k 0: greedy only).
 */
final class OmrEvaluation {
  private OmrEvaluation() {}

  static Map<String, Object> evaluate(TransformerPolicy p, OmrStudent s, List<MathProblem> validation, SamplingConfig rollout, int k) {
    SamplingConfig greedy = new SamplingConfig(1.0, 1e-9, rollout.maxNewTokens(), rollout.stopTokens());
    Map<Integer, List<MathProblem>> byLength = new java.util.TreeMap<>();
    Map<MathProblem, int[]> prompts = new java.util.IdentityHashMap<>();
    for (MathProblem m : validation) {
      int[] ids = p.encode(s.prompt().apply(m.problem()));
      prompts.put(m, ids);
      byLength.computeIfAbsent(ids.length, n -> new ArrayList<>()).add(m);
    }
    int ok = 0;
    for (List<MathProblem> g : byLength.values()) {
      int[][] batchPrompts = g.stream().map(prompts::get).toArray(int[][]::new);
      List<Completion> cs = p.generateBatch(batchPrompts, greedy, 0);
      for (int i = 0; i < g.size(); i++) {
        ok += MathAnswers.verifySolution(g.get(i).expectedAnswer(), cs.get(i).text()).equal() ? 1 : 0;
      }
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("accuracy", (double) ok / validation.size());
    if (k > 0) {
      long right = 0;
      for (int i = 0; i < validation.size(); i++) {
        MathProblem m = validation.get(i);
        for (Completion c : p.generate(s.prompt().apply(m.problem()), k, rollout, 7919L * i + 1)) {
          right += MathAnswers.verifySolution(m.expectedAnswer(), c.text()).equal() ? 1 : 0;
        }
      }
      r.put("meanAtK", (double) right / ((long) k * validation.size()));
    }
    return r;
  }
}
