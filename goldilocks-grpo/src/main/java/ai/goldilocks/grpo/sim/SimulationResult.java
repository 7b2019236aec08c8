package ai.goldilocks.grpo.sim;

import org.apiguardian.api.API;

/**
 * What one sampler achieved in one simulated run.
 *
 * @param sampler sampler name
 * @param seed the run's seed
 * @param oracleUtilityRatio mean true utility of the picked questions divided by the mean of the
 *     best true utility among K fresh random candidates at the same moments (what the oracle gets)
 * @param zeroVarianceFraction groups with all-equal rewards / groups rolled out
 * @param finalAccuracy expected accuracy on the held-out questions at the end
 * @param initialAccuracy the same at the start
 * @param rolloutsSpent rollouts generated
 * @param updates student updates made
 * @param teacherMaeUnseen mean over the run of the teacher's MAE on not-yet-trained-on samples
 *     (NaN without a learning teacher)
 * @param seconds wall-clock time of the run
 * @param teacherUpdates teacher updates completed during the run (0 without a learning teacher)
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record SimulationResult(String sampler, long seed, double oracleUtilityRatio, double zeroVarianceFraction,
    double finalAccuracy, double initialAccuracy, long rolloutsSpent, long updates, double teacherMaeUnseen, double seconds,
    long teacherUpdates) {}
