package ai.goldilocks.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.goldilocks.grpo.Sequence;
import java.util.Arrays;
import java.util.List;

/**
 * Teacher-forced scoring of sequences by a {@link Network}: packing into a padded batch, the
 * per-token log-probabilities (and entropies) of the completion tokens, and the coefficient arrays
 * that turn GRPO's per-token coefficients into one scalar for the backward pass. Used by
 * {@link TransformerPolicy}'s scoring and training and by tests.
 */
final class Scoring {
  private Scoring() {}

  /**
   * A padded batch: tokens (B, T), and per row where its completion's log-probs start and how many
   * there are. Log-probs are computed only from position {@code from} on (the first position that
   * predicts a completion token in any row; prompt positions before it need no logits), so they
   * form a (B, W) array with W = T - 1 - from, and {@code start} counts from {@code from}.
   */
  record Batch(int[] flat, int b, int t, int from, int[] start, int[] count) {
    int w() {
      return t - 1 - from;
    }
  }

  static Batch pack(Network model, TextTokenizer tokenizer, List<Sequence> sequences) {
    if (sequences.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    int t = 0;
    for (Sequence s : sequences) {
      t = Math.max(t, s.length());
    }
    if (t > model.maxLength()) {
      throw new IllegalArgumentException("a sequence of " + t + " tokens exceeds maxLength " + model.maxLength());
    }
    int b = sequences.size();
    int[] flat = new int[b * t];
    Arrays.fill(flat, tokenizer.padId());
    int[] start = new int[b];
    int[] count = new int[b];
    for (int i = 0; i < b; i++) {
      int[] toks = sequences.get(i).tokens();
      for (int j = 0; j < toks.length; j++) {
        if (toks[j] < 0 || toks[j] >= model.vocabSize()) {
          throw new IllegalArgumentException("sequence " + i + " token " + j + " = " + toks[j] + " is outside the vocabulary");
        }
      }
      System.arraycopy(toks, 0, flat, i * t, toks.length);
      start[i] = sequences.get(i).prompt().length - 1; // position whose logits predict the first completion token
      count[i] = sequences.get(i).completion().length;
    }
    int from = Arrays.stream(start).min().orElse(0);
    for (int i = 0; i < b; i++) {
      start[i] -= from;
    }
    return new Batch(flat, b, t, from, start, count);
  }

  /**
   * Per-position log-probs (B, W) of the next token from position {@code batch.from} on,
   * temperature applied; and optionally entropies, computed outside the autograd graph so that
   * their vocabulary-sized temporaries are freed at once instead of being kept for the backward pass.
   */
  static NDArray[] tokenLogProbs(Network m, NDManager scope, Batch batch, double temperature, boolean entropy) {
    NDArray tokens = scope.create(batch.flat, new Shape(batch.b, batch.t));
    NDArray h = m.hidden(scope, tokens, 0, null, null).get(new NDIndex(":, " + batch.from + ":" + (batch.t - 1) + ", :"));
    NDArray logits = m.logits(h);
    if (temperature != 1.0) {
      logits = logits.div(Ops.constant(h, (float) temperature));
    }
    NDArray lsm = logits.logSoftmax(-1);
    NDArray targets = tokens.get(new NDIndex(":, " + (batch.from + 1) + ":" + batch.t)).toType(DataType.INT64, false).expandDims(-1);
    NDArray lp = lsm.gather(targets, -1).squeeze(-1);
    NDArray ent = null;
    if (entropy) {
      try (NDManager temporary = scope.newSubManager()) {
        NDArray d = lsm.stopGradient();
        d.attach(temporary);
        ent = d.exp().mul(d).sum(new int[] {-1}).neg();
        ent.attach(scope);
      }
    }
    return new NDArray[] {lp, ent};
  }

  static double[][] completionValues(float[] all, Batch batch) {
    double[][] out = new double[batch.b][];
    int w = batch.w();
    for (int i = 0; i < batch.b; i++) {
      out[i] = new double[batch.count[i]];
      for (int j = 0; j < batch.count[i]; j++) {
        out[i][j] = all[i * w + batch.start[i] + j];
      }
    }
    return out;
  }

  static void checkFinite(double[][] v, String what, int rowOffset) {
    for (int i = 0; i < v.length; i++) {
      for (int j = 0; j < v[i].length; j++) {
        if (!Double.isFinite(v[i][j])) {
          throw new IllegalArgumentException(what + " of sequence " + (i + rowOffset) + " token " + j + " is " + v[i][j]
              + "; no update applied");
        }
      }
    }
  }

  static long count(double[][] v) {
    long n = 0;
    for (double[] row : v) {
      n += row.length;
    }
    return n;
  }

  static double sum(double[][] v) {
    double s = 0;
    for (double[] row : v) {
      for (double x : row) {
        s += x;
      }
    }
    return s;
  }

  static float[] coefficientArray(double[][] c, Batch batch, int rowOffset, int rows) {
    if (c == null || c.length != rows) {
      throw new IllegalArgumentException("coefficients must have " + rows + " rows");
    }
    float[] coef = new float[batch.b * batch.w()];
    for (int i = 0; i < batch.b; i++) {
      if (c[i] == null || c[i].length != batch.count[i]) {
        throw new IllegalArgumentException("coefficients of sequence " + (i + rowOffset) + " must have " + batch.count[i] + " values");
      }
      for (int j = 0; j < batch.count[i]; j++) {
        if (!Double.isFinite(c[i][j])) {
          throw new IllegalArgumentException("coefficient of sequence " + (i + rowOffset) + " token " + j + " is " + c[i][j]
              + "; no update applied");
        }
        coef[i * batch.w() + batch.start[i] + j] = (float) c[i][j];
      }
    }
    return coef;
  }

}
