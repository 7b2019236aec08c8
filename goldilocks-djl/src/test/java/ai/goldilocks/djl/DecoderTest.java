package ai.goldilocks.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.goldilocks.core.internal.Rng;
import ai.goldilocks.grpo.Completion;
import ai.goldilocks.grpo.SamplingConfig;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Sampling on the engine (large vocabularies) against the Java path it replaces: the same tokens
 * for the same uniform draws, the same log-probabilities, and reproducible generations.
 */
class DecoderTest {
  private static final int V = 5000;

  /** Ids only: a vocabulary of {@code V} tokens, 0 padding, 1 end of sequence. */
  private static final TextTokenizer IDS = new TextTokenizer() {
    @Override
    public int[] encode(String text) {
      return text.chars().map(c -> 2 + c % (V - 2)).toArray();
    }

    @Override
    public String decode(int[] ids) {
      return java.util.Arrays.toString(ids);
    }

    @Override
    public int vocabSize() {
      return V;
    }

    @Override
    public int padId() {
      return 0;
    }

    @Override
    public int eosId() {
      return 1;
    }
  };

  /** {@code n} rows of {@code V} logits, each N(0, 9). */
  private static float[] gaussianLogits(Rng rng, int n) {
    float[] logits = new float[n * V];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) (3 * rng.nextGaussian());
    }
    return logits;
  }

  @Test
  void engineDrawsAreTheInverseCdfDrawsOfTheJavaPath() {
    DjlEngine.ensureOffline();
    Rng rng = new Rng(11);
    int n = 16;
    float[] logits = gaussianLogits(rng, n);
    float[] u = new float[n];
    for (int i = 0; i < n; i++) {
      u[i] = (float) rng.nextDouble();
    }
    for (double temperature : new double[] {1.0, 0.7}) {
      try (NDManager m = NDManager.newBaseManager(TransformerPolicy.defaultDevice())) {
        NDArray x = m.create(logits, new Shape(n, V));
        NDArray[] sampled = Decoder.drawOnEngine(m, x, temperature, false, 1.0, u, V);
        NDArray[] greedy = Decoder.drawOnEngine(m, x, temperature, true, 1.0, u, V);
        long[] ids = sampled[0].toLongArray();
        float[] lps = sampled[1].toFloatArray();
        long[] best = greedy[0].toLongArray();
        for (int i = 0; i < n; i++) {
          double[] logp = Decoder.logSoftmax(logits, i * V, V, temperature);
          // the Java path: first token whose cumulative probability exceeds u
          double c = 0;
          int expected = V - 1;
          double cdfBefore = 0;
          for (int j = 0; j < V; j++) {
            cdfBefore = c;
            c += Math.exp(logp[j]);
            if (u[i] < c) {
              expected = j;
              break;
            }
          }
          if (ids[i] != expected) {
            // only where u falls within float rounding of a cumulative boundary
            assertTrue(Math.abs(cdfBefore - u[i]) < 1e-5 || Math.abs(c - u[i]) < 1e-5, "row " + i + ": " + ids[i] + " vs " + expected);
          }
          assertEquals(logp[(int) ids[i]], lps[i], 1e-4, "row " + i);
          int argmax = 0;
          for (int j = 1; j < V; j++) {
            if (logp[j] > logp[argmax]) {
              argmax = j;
            }
          }
          assertEquals(argmax, best[i], "row " + i);
        }
      }
    }
  }

  /**
   * Top-p below 1 on the engine against the Java path ({@link Decoder#sampleTopP}, which sorts in
   * Java): the same token for the same uniform draw, except where the draw or the nucleus edge lies
   * within float rounding of a cumulative boundary.
   */
  @Test
  void engineTopPDrawsTheJavaPathsTokens() {
    DjlEngine.ensureOffline();
    int n = 32;
    float[] logits = gaussianLogits(new Rng(12), n);
    // row i draws from its own stream: the engine gets its first value, the Java path a fresh copy
    float[] u = new float[n];
    for (int i = 0; i < n; i++) {
      u[i] = (float) new Rng(100 + i).nextDouble();
    }
    int mismatches = 0;
    int engineDraws = 0;
    for (double topP : new double[] {0.999, 0.9, 0.5, 0.1}) {
      try (NDManager m = NDManager.newBaseManager(TransformerPolicy.defaultDevice())) {
        NDArray[] drawn = Decoder.drawOnEngine(m, m.create(logits, new Shape(n, V)), 0.8, false, topP, u, V);
        int widest = 0;
        for (int i = 0; i < n; i++) {
          widest = Math.max(widest, nucleusSize(Decoder.logSoftmax(logits, i * V, V, 0.8), topP));
        }
        // the engine declines exactly when some row's nucleus is wider than its candidates
        assertEquals(widest > Decoder.TOP_P_CANDIDATES, drawn == null, "top-p " + topP + ": widest nucleus " + widest);
        if (drawn == null) {
          continue;
        }
        engineDraws++;
        long[] ids = drawn[0].toLongArray();
        float[] lps = drawn[1].toFloatArray();
        for (int i = 0; i < n; i++) {
          double[] logp = Decoder.logSoftmax(logits, i * V, V, 0.8);
          int expected = Decoder.sampleTopP(logp, topP, new Rng(100 + i).nextDouble());
          assertEquals(logp[(int) ids[i]], lps[i], 1e-4, "top-p " + topP + " row " + i);
          if (ids[i] != expected) {
            mismatches++;
            // a neighbour in probability order: the two paths sum the same probabilities in float and double
            assertTrue(Math.abs(logp[(int) ids[i]] - logp[expected]) < 0.5, "top-p " + topP + " row " + i + ": " + ids[i] + " vs " + expected);
          }
          int rank = 0;
          for (int j = 0; j < V; j++) {
            rank += logp[j] > logp[(int) ids[i]] ? 1 : 0;
          }
          double before = 0;
          for (int j = 0; j < V; j++) {
            before += logp[j] > logp[(int) ids[i]] ? Math.exp(logp[j]) : 0;
          }
          assertTrue(before < topP + 1e-4, "top-p " + topP + " row " + i + ": token of rank " + rank + " lies outside the nucleus");
        }
      }
    }
    assertTrue(engineDraws >= 2 && engineDraws < 4, "the engine drew for " + engineDraws + " of the 4 top-p values (0.999 is too wide)");
    assertTrue(mismatches <= 2, mismatches + " of " + engineDraws * n + " draws differ from the Java path");
  }

  /** Tokens in the top-p nucleus of a row: by descending probability while the mass before is under topP. */
  private static int nucleusSize(double[] logp, double topP) {
    double[] p = java.util.Arrays.stream(logp).map(Math::exp).sorted().toArray();
    double mass = 0;
    int size = 0;
    for (int j = p.length - 1; j >= 0 && mass < topP; j--) {
      mass += p[j];
      size++;
    }
    return size;
  }

  @Test
  void largeVocabularyGenerationIsReproducibleAndConsistentWithScoring() {
    TransformerConfig cfg = new TransformerConfig(V, 32, 1, 2, 64, 40);
    try (TransformerPolicy p = TransformerPolicy.builder(cfg, IDS).seed(3).build()) {
      int[] prompt = {5, 17, 300, 4999, 42};
      SamplingConfig s = new SamplingConfig(1.0, 1.0, 12, Set.of());
      List<Completion> a = p.generate(prompt, 4, s, 9, true);
      List<Completion> b = p.generate(prompt, 4, s, 9, true);
      List<Completion> uncached = p.generate(prompt, 4, s, 9, false);
      for (int i = 0; i < 4; i++) {
        assertArrayEquals(a.get(i).sequence().completion(), b.get(i).sequence().completion(), "same seed, same tokens");
        assertArrayEquals(a.get(i).sequence().completion(), uncached.get(i).sequence().completion(), "cache or not, same tokens");
        assertEquals(12, a.get(i).sequence().completion().length);
      }
      // the log-probabilities reported while sampling are those the policy scores afterwards
      double[][] scored = p.logProbs(a.stream().map(Completion::sequence).toList(), 1.0);
      for (int i = 0; i < 4; i++) {
        double[] lp = a.get(i).logProbs();
        for (int j = 0; j < lp.length; j++) {
          assertEquals(scored[i][j], lp[j], 1e-4, "sequence " + i + " token " + j);
        }
      }
      // top-p below 1, drawn on the engine too: reproducible, cache or not
      SamplingConfig nucleus = new SamplingConfig(1.0, 0.9, 12, Set.of());
      List<Completion> n1 = p.generate(prompt, 4, nucleus, 9, true);
      List<Completion> n2 = p.generate(prompt, 4, nucleus, 9, false);
      for (int i = 0; i < 4; i++) {
        assertArrayEquals(n1.get(i).sequence().completion(), n2.get(i).sequence().completion(), "top-p: cache or not, same tokens");
      }
      // greedy: every row of a batch of equal prompts gives the same completion
      List<Completion> g = p.generate(prompt, 3, new SamplingConfig(1.0, 1e-9, 12, Set.of()), 1, true);
      assertArrayEquals(g.get(0).sequence().completion(), g.get(2).sequence().completion());
    }
  }
}
