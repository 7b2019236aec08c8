package ai.goldilocks.core;

import java.util.List;
import org.apiguardian.api.API;

/**
 * A snapshot of a sampler's counters.
 *
 * @param selections questions handed out
 * @param feedbackAccepted feedback accepted
 * @param duplicateFeedback feedback ignored as a duplicate (the question's hand-outs were answered)
 * @param unsolicitedFeedback feedback ignored because the sampler never handed its question out
 * @param staleFeedback feedback ignored as stale
 * @param zeroVarianceFraction fraction of accepted groups whose rewards were all equal
 * @param meanPredictedUtility mean predicted utility of the hand-outs that had a prediction (NaN if none)
 * @param meanObservedUtility mean observed utility (normalised reward std) of accepted feedback (NaN if none)
 * @param teacherMaeUnseen the teacher's mean absolute error on the most recent batch of samples it
 *     had not trained on yet (NaN when the sampler has no teacher or has not measured it yet)
 * @param teacherUpdates number of completed teacher updates
 * @param teacherFailures number of teacher updates that threw (the teacher kept its previous weights,
 *     the samples stay in the window for the next update); the last error is logged
 * @param teacherLagSamples accepted samples the teacher now serving picks has not trained on yet:
 *     those waiting for the next due update, those of a due update still queued and those of the
 *     update in flight (0 without a teacher; below {@code updateEvery} with synchronous updates)
 * @param teacherUpdatesMerged due teacher updates merged into one already queued (asynchronous
 *     updates whose host outpaces the teacher: nothing is lost, the queued update trains on the
 *     newest window, but the teacher falls behind)
 * @param teacherWaits feedback calls that waited for the teacher because the lag exceeded the
 *     sampler's bound ({@code GoldilocksSampler.Builder.maxTeacherLag})
 * @param picksPerBand accepted feedback per band of observed success rate p_hat:
 *     [p = 0, 0 &lt; p &le; 0.25, 0.25 &lt; p &lt; 0.75, 0.75 &le; p &lt; 1, p = 1]
 */
@API(status = API.Status.STABLE, since = "0.1.0")
public record SamplerMetrics(
    long selections,
    long feedbackAccepted,
    long duplicateFeedback,
    long unsolicitedFeedback,
    long staleFeedback,
    double zeroVarianceFraction,
    double meanPredictedUtility,
    double meanObservedUtility,
    double teacherMaeUnseen,
    long teacherUpdates,
    long teacherFailures,
    long teacherLagSamples,
    long teacherUpdatesMerged,
    long teacherWaits,
    List<Long> picksPerBand) {

  /** Copies the band list. */
  public SamplerMetrics {
    picksPerBand = List.copyOf(picksPerBand);
  }
}
