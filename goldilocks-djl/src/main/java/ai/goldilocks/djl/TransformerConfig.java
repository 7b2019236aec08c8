package ai.goldilocks.djl;

import org.apiguardian.api.API;

/**
 * Size of a pre-LayerNorm transformer with learned positions and a tied output embedding.
 *
 * @param vocabSize tokens in the vocabulary
 * @param dModel width of the residual stream
 * @param layers transformer blocks
 * @param heads attention heads; must divide {@code dModel}
 * @param ffn hidden width of the feed-forward layer
 * @param maxLength longest sequence (positions)
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record TransformerConfig(int vocabSize, int dModel, int layers, int heads, int ffn, int maxLength) {
  /** Validates. */
  public TransformerConfig {
    if (vocabSize < 2 || dModel < 1 || layers < 1 || heads < 1 || ffn < 1 || maxLength < 2) {
      throw new IllegalArgumentException("invalid transformer size: " + vocabSize + ", " + dModel + ", " + layers + ", " + heads + ", "
          + ffn + ", " + maxLength);
    }
    if (dModel % heads != 0) {
      throw new IllegalArgumentException("heads (" + heads + ") must divide dModel (" + dModel + ")");
    }
  }

  /** The benchmark's size: d_model 128, 2 layers, 4 heads, FFN 512. */
  public static TransformerConfig small(int vocabSize, int maxLength) {
    return new TransformerConfig(vocabSize, 128, 2, 4, 512, maxLength);
  }

  /** Parameters in the model. */
  public long parameterCount() {
    long perLayer = 4L * dModel + (long) dModel * 3 * dModel + 3L * dModel + (long) dModel * dModel + dModel
        + (long) dModel * ffn + ffn + (long) ffn * dModel + dModel;
    return (long) vocabSize * dModel + (long) maxLength * dModel + layers * perLayer + 2L * dModel;
  }
}
