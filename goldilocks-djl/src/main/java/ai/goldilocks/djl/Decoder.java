package ai.goldilocks.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.SamplingConfig;
import ai.goldilocks.grpo.Sequence;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Token-by-token sampling from a {@link Network}: the decoding loop with its KV cache, the
 * temperature-scaled log-softmax of each step's logits and the top-p draw from this project's
 * {@link Rng}, so a seed gives the same completions on every run. Used by {@link TransformerPolicy}.
 */
final class Decoder {
  /**
   * From this vocabulary size on, sampling (plain, top-p and greedy) runs on the engine: only the token ids
   * and their log-probabilities cross into Java instead of every logit (151,936 floats per sequence
   * per token for Qwen). Smaller vocabularies sample in Java, where a few dozen values cost less than
   * the extra engine calls.
   */
  static final int ENGINE_SAMPLING_VOCAB = 4096;

  /** After generating with a model of this many parameters or more, freed native memory goes back to the system. */
  static final long RELEASE_MEMORY_PARAMETERS = 50_000_000L;

  /** Top-p on the engine looks for the nucleus among this many most likely tokens first. */
  static final int TOP_P_CANDIDATES = 1024;

  private Decoder() {}

  /**
   * One completion per prompt (all of equal token length), sampled together: with {@code useCache}
   * the prompt runs once and each step feeds one token per row through the KV cache; without it
   * every step re-runs the whole prefix (for measurement and tests).
   */
  static List<Completion> sample(Network model, TextTokenizer tokenizer, int[][] prompts, SamplingConfig sampling, long seed,
      boolean useCache) {
    Rng[] rngs = new Rng[prompts.length];
    Arrays.fill(rngs, new Rng(seed));
    return sample(model, tokenizer, prompts, sampling, rngs, useCache);
  }

  /**
   * As {@link #sample(Network, TextTokenizer, int[][], SamplingConfig, long, boolean)} with a
   * random stream per row: rows that share one {@link Rng} instance draw from it in row order at
   * every step, exactly as they would if sampled alone, so several groups (each with its own
   * stream) can be decoded in one batch.
   */
  static List<Completion> sample(Network model, TextTokenizer tokenizer, int[][] prompts, SamplingConfig sampling, Rng[] rngs,
      boolean useCache) {
    List<Completion> out;
    try (DjlEngine.NoGradient off = DjlEngine.noGradient()) {
      out = sampleWithoutGradients(model, tokenizer, prompts, sampling, rngs, useCache);
    }
    if (model.parameterCount() >= RELEASE_MEMORY_PARAMETERS) {
      NativeMemory.release(); // a few milliseconds against seconds of generation at this size
    }
    return out;
  }

  /**
   * {@code n} completions of each prompt, prompts of equal token length decoded together, every
   * prompt with its own random stream ({@code seeds}): the same draws as one call per prompt, fewer
   * engine calls. At most {@code maxRows} rows share a batch (a group is never split); the result
   * is in the order of {@code prompts}.
   */
  static List<List<Completion>> sampleGroups(Network model, TextTokenizer tokenizer, int[][] prompts, int n, SamplingConfig sampling,
      long[] seeds, int maxRows, boolean useCache) {
    java.util.Map<Integer, List<Integer>> byLength = new java.util.TreeMap<>();
    for (int i = 0; i < prompts.length; i++) {
      byLength.computeIfAbsent(prompts[i].length, k -> new ArrayList<>()).add(i);
    }
    List<List<Completion>> out = new ArrayList<>(java.util.Collections.nCopies(prompts.length, null));
    int groupsPerBatch = Math.max(1, maxRows / n);
    List<List<Integer>> batches = new ArrayList<>();
    for (List<Integer> sameLength : byLength.values()) {
      for (int from = 0; from < sameLength.size(); from += groupsPerBatch) {
        batches.add(sameLength.subList(from, Math.min(sameLength.size(), from + groupsPerBatch)));
      }
    }
    for (List<Integer> same : batches) {
      int[][] rows = new int[same.size() * n][];
      Rng[] rngs = new Rng[rows.length];
      for (int g = 0; g < same.size(); g++) {
        Rng rng = new Rng(seeds[same.get(g)]);
        for (int j = 0; j < n; j++) {
          rows[g * n + j] = prompts[same.get(g)];
          rngs[g * n + j] = rng;
        }
      }
      List<Completion> cs = sample(model, tokenizer, rows, sampling, rngs, useCache);
      for (int g = 0; g < same.size(); g++) {
        out.set(same.get(g), List.copyOf(cs.subList(g * n, (g + 1) * n)));
      }
    }
    return out;
  }

  private static List<Completion> sampleWithoutGradients(Network model, TextTokenizer tokenizer, int[][] prompts,
      SamplingConfig sampling, Rng[] rngs, boolean useCache) {
    int n = prompts.length;
    if (rngs.length != n) {
      throw new IllegalArgumentException(rngs.length + " random streams for " + n + " rows");
    }
    int[] prompt = prompts[0];
    if (prompt.length == 0) {
      throw new IllegalArgumentException("empty prompt");
    }
    int maxNew = Math.min(sampling.maxNewTokens(), model.maxLength() - prompt.length);
    if (maxNew < 1) {
      throw new IllegalArgumentException("prompt of " + prompt.length + " tokens leaves no room in maxLength " + model.maxLength());
    }
    int[][] out = new int[n][maxNew];
    double[][] lps = new double[n][maxNew];
    int[] len = new int[n];
    boolean[] done = new boolean[n];
    int eos = tokenizer.eosId();
    java.util.Set<Integer> stop = sampling.stopTokens() == null ? java.util.Set.of(eos) : sampling.stopTokens();
    int v = model.vocabSize();
    boolean greedy = sampling.topP() <= 1.0 / v; // the most likely token alone holds at least 1/v of the mass
    boolean onEngine = v >= ENGINE_SAMPLING_VOCAB;
    try (NDManager scope = model.manager.newSubManager()) {
      Network.KvCache cache = useCache ? new Network.KvCache(scope, model.layers(), prompt.length + maxNew) : null;
      int[] rows = new int[n * prompt.length];
      for (int i = 0; i < n; i++) {
        System.arraycopy(prompts[i], 0, rows, i * prompt.length, prompt.length);
      }
      int[] input = rows;
      long inputLength = prompt.length;
      int offset = 0;
      int[][] full = new int[n][];
      for (int i = 0; i < n; i++) {
        full[i] = Arrays.copyOf(prompts[i], prompt.length + maxNew);
      }
      for (int step = 0; step < maxNew; step++) {
        float[] last = null;
        long[] drawnIds = null;
        double[] drawsThisStep;
        float[] drawnLogProbs = null;
        try (NDManager stepScope = scope.newSubManager()) {
          NDArray x = stepScope.create(input, new Shape(n, inputLength));
          if (!useCache) {
            int t = prompt.length + step;
            int[] flat = new int[n * t];
            for (int i = 0; i < n; i++) {
              System.arraycopy(full[i], 0, flat, i * t, t);
            }
            x = stepScope.create(flat, new Shape(n, t));
          }
          NDArray h = model.hidden(stepScope, x, useCache ? offset : 0, cache, null);
          long t = h.getShape().get(1);
          NDArray lastH = t == 1 ? h : h.get(new NDIndex().addAllDim().addSliceDim(t - 1, t));
          NDArray logits = model.logits(lastH);
          drawsThisStep = null;
          if (onEngine) {
            // one uniform draw per live row from this project's Rng, in row order, as in Java
            drawsThisStep = new double[n];
            float[] u = new float[n];
            for (int i = 0; i < n; i++) {
              drawsThisStep[i] = done[i] ? 0 : rngs[i].nextDouble();
              u[i] = (float) drawsThisStep[i];
            }
            NDArray[] drawn = drawOnEngine(stepScope, logits.reshape(n, v), sampling.temperature(), greedy, sampling.topP(), u, v);
            if (drawn != null) {
              drawnIds = drawn[0].toLongArray();
              drawnLogProbs = drawn[1].toFloatArray();
            } else {
              last = logits.toFloatArray(); // a wide nucleus: Java sorts faster, with the same draws
            }
          } else {
            last = logits.toFloatArray();
          }
          if (useCache) {
            offset += (int) x.getShape().get(1);
          }
        }
        int[] next = new int[n];
        boolean all = true;
        for (int i = 0; i < n; i++) {
          if (done[i]) {
            next[i] = eos;
            continue;
          }
          int tok;
          double tokenLogProb;
          if (drawnIds != null) {
            tok = (int) drawnIds[i];
            tokenLogProb = drawnLogProbs[i];
          } else {
            double[] logp = logSoftmax(last, i * v, v, sampling.temperature());
            tok = sampleTopP(logp, sampling.topP(), drawsThisStep != null ? drawsThisStep[i] : rngs[i].nextDouble());
            tokenLogProb = logp[tok];
          }
          next[i] = tok;
          out[i][len[i]] = tok;
          lps[i][len[i]] = tokenLogProb;
          len[i]++;
          full[i][prompt.length + step] = tok;
          if (stop.contains(tok)) {
            done[i] = true;
          }
          all &= done[i];
        }
        if (all) {
          break;
        }
        if (useCache) {
          input = next;
          inputLength = 1;
        }
      }
    }
    List<Completion> result = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int[] toks = Arrays.copyOf(out[i], len[i]);
      boolean stopped = len[i] > 0 && stop.contains(toks[len[i] - 1]);
      int[] textToks = stopped ? Arrays.copyOf(toks, len[i] - 1) : toks;
      result.add(new Completion(new Sequence(prompts[i], toks), Arrays.copyOf(lps[i], len[i]), tokenizer.decode(textToks), !stopped));
    }
    return result;
  }

  /**
   * Draws one token per row on the engine: the argmax when {@code greedy}, else the first token
   * whose cumulative probability exceeds the row's uniform {@code u} (inverse-CDF sampling, as
   * {@link #sampleTopP} does); below top-p 1 over the nucleus only: tokens by descending
   * probability while the mass before them is under {@code topP}, the draw scaled to their mass,
   * or null when in some row the nucleus is wider than {@link #TOP_P_CANDIDATES} tokens (the caller
   * draws in Java, with the same uniforms). Returns the ids (INT64) and their log-probabilities at
   * the temperature.
   */
  static NDArray[] drawOnEngine(NDManager scope, NDArray logits, double temperature, boolean greedy, double topP, float[] u, int v) {
    NDArray scaled = temperature == 1.0 ? logits : logits.div((float) temperature);
    NDArray lsm = scaled.logSoftmax(-1);
    NDArray ids;
    if (greedy) {
      ids = lsm.argMax(-1);
    } else if (topP < 1) {
      int n = u.length;
      // the nucleus is a prefix of the tokens in descending probability, usually among the most
      // likely few hundred: found without sorting the whole vocabulary. When it is wider in some
      // row, null: sorting 150,000 values is faster in Java than on the engine with one thread.
      ai.djl.ndarray.NDList top = lsm.topK(Math.min(v, TOP_P_CANDIDATES), -1, true, true);
      NDArray order = top.get(1);
      NDArray sorted = top.get(0).exp();
      NDArray before = sorted.cumSum(-1).sub(sorted);
      if (v > TOP_P_CANDIDATES
          && before.get(new ai.djl.ndarray.index.NDIndex(":, " + (TOP_P_CANDIDATES - 1))).min().getFloat() < topP) {
        return null;
      }
      NDArray kept = before.lt((float) topP); // the mass before the token is under topP
      NDArray nucleus = sorted.mul(kept.toType(DataType.FLOAT32, false));
      NDArray draws = scope.create(u, new Shape(n, 1)).mul(nucleus.sum(new int[] {-1}, true));
      NDArray last = kept.toType(DataType.INT64, false).sum(new int[] {-1}, true).sub(1);
      NDArray at = nucleus.cumSum(-1).lte(draws).toType(DataType.INT64, false).sum(new int[] {-1}, true).minimum(last);
      ids = order.gather(at, -1).reshape(n);
    } else {
      NDArray cdf = lsm.exp().cumSum(-1);
      NDArray draws = scope.create(u, new Shape(u.length, 1));
      ids = cdf.lte(draws).toType(DataType.INT64, false).sum(new int[] {-1}).minimum(v - 1);
    }
    NDArray lp = lsm.gather(ids.reshape(u.length, 1), -1).reshape(u.length);
    return new NDArray[] {ids, lp};
  }

  static double[] logSoftmax(float[] logits, int from, int v, double temperature) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < v; j++) {
      max = Math.max(max, logits[from + j] / temperature);
    }
    double sum = 0;
    for (int j = 0; j < v; j++) {
      sum += Math.exp(logits[from + j] / temperature - max);
    }
    double lse = max + Math.log(sum);
    double[] out = new double[v];
    for (int j = 0; j < v; j++) {
      out[j] = logits[from + j] / temperature - lse;
    }
    return out;
  }

  static int sampleTopP(double[] logp, double topP, double uniform) {
    int v = logp.length;
    if (topP >= 1) {
      double c = 0;
      for (int j = 0; j < v; j++) {
        c += Math.exp(logp[j]);
        if (uniform < c) {
          return j;
        }
      }
      return v - 1;
    }
    // Greedy and near-greedy: when the most likely token alone holds topP of the mass, it is the
    // answer, found in one pass instead of sorting the vocabulary.
    int best = 0;
    for (int j = 1; j < v; j++) {
      if (logp[j] > logp[best]) {
        best = j;
      }
    }
    if (Math.exp(logp[best]) >= topP) {
      return best; // the draw was made all the same: later draws do not depend on this shortcut
    }
    // Descending probability, ties by token id: one primitive sort of (-logp as float bits, id)
    // keys; -logp >= 0, so the float bits order as the values do.
    long[] keys = new long[v];
    for (int j = 0; j < v; j++) {
      keys[j] = ((long) Float.floatToIntBits((float) -logp[j]) << 32) | j;
    }
    Arrays.sort(keys);
    double mass = 0;
    int keep = 0;
    while (keep < v && mass < topP) {
      mass += Math.exp(logp[(int) keys[keep]]);
      keep++;
    }
    double u = uniform * mass;
    double c = 0;
    for (int j = 0; j < keep; j++) {
      int id = (int) keys[j];
      c += Math.exp(logp[id]);
      if (u < c) {
        return id;
      }
    }
    return (int) keys[keep - 1];
  }

}
