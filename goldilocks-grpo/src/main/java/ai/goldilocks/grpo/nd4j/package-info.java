/**
 * The ND4J teacher, {@link ai.goldilocks.grpo.nd4j.Nd4jMlpPredictor}: an MLP over the feature
 * table, on ND4J. Needs the optional {@code org.nd4j:nd4j-native} dependency and its natives for
 * the platform (docs/deploying.md); a host that does not use it does not ship them.
 */
package ai.goldilocks.grpo.nd4j;
