package ai.goldilocks.core.objective;

import java.util.Objects;
import org.apiguardian.api.API;

/**
 * Per-token log-probabilities of a batch of completions, one row per sequence (rows may differ in
 * length), in the same order as the advantages: group after group.
 *
 * <ul>
 *   <li>{@code newLogProbs}: under the policy being trained (required);
 *   <li>{@code oldLogProbs}: under the policy that generated the completions; {@code null} means
 *       on-policy (old = new, held constant: ratio 1, derivative of the ratio 1);
 *   <li>{@code refLogProbs}: under the frozen reference, required when beta &gt; 0;
 *   <li>{@code masks}: which tokens count (completion tokens, not padding); {@code null} = all;
 *   <li>{@code truncated}: which completions hit the length limit; {@code null} = none.
 * </ul>
 * Arrays are copied by the builder; validation names the sequence, token and value at fault.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class TokenBatch {
  final double[][] newLp;
  final double[][] oldLp;
  final double[][] refLp;
  final boolean[][] masks;
  final boolean[] truncated;

  private TokenBatch(Builder b) {
    Objects.requireNonNull(b.newLp, "newLogProbs is required");
    int n = b.newLp.length;
    if (n == 0) {
      throw new IllegalArgumentException("the batch has no sequences");
    }
    if (b.masks != null) {
      if (b.masks.length != n) {
        throw new IllegalArgumentException("masks has " + b.masks.length + " rows, newLogProbs has " + n);
      }
      masks = new boolean[n][];
      for (int i = 0; i < n; i++) {
        if (b.newLp[i] == null) {
          throw new IllegalArgumentException("newLogProbs row " + i + " is null");
        }
        if (b.masks[i] == null || b.masks[i].length != b.newLp[i].length) {
          throw new IllegalArgumentException("mask of sequence " + i + " has length "
              + (b.masks[i] == null ? "null" : b.masks[i].length) + ", its log-probs have " + b.newLp[i].length);
        }
        masks[i] = b.masks[i].clone();
      }
    } else {
      masks = null;
    }
    // padding (masked-out entries) may hold anything: only entries that count are validated
    this.newLp = copyChecked("newLogProbs", b.newLp, null, masks);
    this.oldLp = b.oldLp == null ? null : copyChecked("oldLogProbs", b.oldLp, b.newLp, masks);
    this.refLp = b.refLp == null ? null : copyChecked("refLogProbs", b.refLp, b.newLp, masks);
    if (b.truncated != null && b.truncated.length != n) {
      throw new IllegalArgumentException("truncated has " + b.truncated.length + " entries, the batch has " + n + " sequences");
    }
    this.truncated = b.truncated == null ? null : b.truncated.clone();
  }

  private static double[][] copyChecked(String name, double[][] a, double[][] shape, boolean[][] masks) {
    if (shape != null && a.length != shape.length) {
      throw new IllegalArgumentException(name + " has " + a.length + " rows, newLogProbs has " + shape.length);
    }
    double[][] c = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      if (a[i] == null) {
        throw new IllegalArgumentException(name + " row " + i + " is null");
      }
      if (shape != null && a[i].length != shape[i].length) {
        throw new IllegalArgumentException(name + " sequence " + i + " has " + a[i].length + " tokens, newLogProbs has " + shape[i].length);
      }
      for (int t = 0; t < a[i].length; t++) {
        double v = a[i][t];
        if ((masks == null || masks[i][t]) && (!Double.isFinite(v) || v > 1e-6)) {
          throw new IllegalArgumentException(name + "[" + i + "][" + t + "] = " + v + " is not a finite log-probability");
        }
      }
      c[i] = a[i].clone();
    }
    return c;
  }

  /** Number of sequences. */
  public int size() {
    return newLp.length;
  }

  /** Tokens in sequence {@code i} (mask included or not). */
  public int length(int i) {
    return newLp[i].length;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link TokenBatch}. */
  public static final class Builder {
    private double[][] newLp;
    private double[][] oldLp;
    private double[][] refLp;
    private boolean[][] masks;
    private boolean[] truncated;

    private Builder() {}

    /** Log-probabilities under the policy being trained. */
    public Builder newLogProbs(double[][] lp) {
      this.newLp = Objects.requireNonNull(lp, "newLogProbs");
      return this;
    }

    /** Log-probabilities under the generating policy (null: on-policy). */
    public Builder oldLogProbs(double[][] lp) {
      this.oldLp = lp;
      return this;
    }

    /** Log-probabilities under the reference policy (needed when beta &gt; 0). */
    public Builder refLogProbs(double[][] lp) {
      this.refLp = lp;
      return this;
    }

    /** Token masks (null: every token counts). */
    public Builder masks(boolean[][] masks) {
      this.masks = masks;
      return this;
    }

    /** Truncation flags (null: none truncated). */
    public Builder truncated(boolean[] truncated) {
      this.truncated = truncated;
      return this;
    }

    /** Validates and builds. */
    public TokenBatch build() {
      return new TokenBatch(this);
    }
  }
}
