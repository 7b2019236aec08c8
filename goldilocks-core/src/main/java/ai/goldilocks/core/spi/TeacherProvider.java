package ai.goldilocks.core.spi;

import ai.goldilocks.core.QuestionPool;
import org.apiguardian.api.API;

/**
 * A teacher that hosts find by name through {@link java.util.ServiceLoader} (as DJL finds its
 * engines), so that a host such as the teacher service need not depend on the module that
 * implements it: {@code goldilocks-server --teacher djl} works when goldilocks-djl is on the class
 * path. Implementations are listed in {@code META-INF/services/ai.goldilocks.core.spi.TeacherProvider}
 * (class path) and with {@code provides} (module path), and have a public no-argument constructor.
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public interface TeacherProvider {
  /** The name a host selects it by, e.g. {@code djl}. */
  String name();

  /** A new, untrained teacher for {@code pool}, seeded with {@code seed}. */
  UtilityPredictor create(QuestionPool pool, long seed);

  /**
   * A new teacher for {@code pool} with the host's choices of head, text length and model. The
   * default takes the seed only and refuses any other choice.
   *
   * @throws IllegalArgumentException if the provider does not offer a choice made in {@code options}
   */
  default UtilityPredictor create(QuestionPool pool, TeacherOptions options) {
    if (options.hasChoices()) {
      throw new IllegalArgumentException("the teacher '" + name() + "' takes no head, text length or model; got "
          + options);
    }
    return create(pool, options.seed());
  }
}
