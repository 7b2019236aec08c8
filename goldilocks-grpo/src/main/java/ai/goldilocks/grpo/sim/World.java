package ai.goldilocks.grpo.sim;

import ai.goldilocks.core.QuestionPool;
import org.apiguardian.api.API;

/**
 * One built world of the family ({@link Worlds}): the training questions, a fresh student and the
 * validation questions (indices after the pool's, known to the student only).
 *
 * @param spec what the world is
 * @param pool the training questions
 * @param student the student at the start of a run
 * @param validation indices of the held-out questions the final accuracy is measured on
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public record World(Worlds.Spec spec, QuestionPool pool, Student student, int[] validation) {}
