package ai.goldilocks.core.predictor;

import org.apiguardian.api.API;

/**
 * Which dense text features a {@link FeaturePredictor} reads ({@link TextFeatures}). Both sets
 * have {@value TextFeatures#DIM} values per question; the sparse word features and the clusters
 * ({@code FeaturePredictor.Builder.sparseText}) are the same for both.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public enum FeatureSet {
  /**
   * The default: what any text shows. Length, words, sentences, word length, numbers (how many,
   * their digits, magnitudes), operators, brackets and their nesting, LaTeX, and signed hashes of
   * character trigrams and words.
   */
  GENERAL,
  /**
   * Opt-in for arithmetic questions: {@link #GENERAL}'s structure with digit statistics (share of
   * high digits, nines, zeros), multiplication and the column interactions of the two longest
   * numbers (where an addition would carry or a subtraction borrow) in place of the general
   * brackets, sentences and word-length features.
   */
  ARITHMETIC
}
