package ai.goldilocks.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.predictor.FeaturePredictor;
import ai.goldilocks.core.predictor.TeacherTarget;
import ai.goldilocks.core.spi.TeacherOptions;
import ai.goldilocks.core.spi.TeacherProvider;
import ai.goldilocks.core.spi.UtilityPredictor;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The server offers the heads and choices the other commands do, and passes them to teachers found by name. */
class TeacherChoicesTest {
  private static final QuestionPool POOL = TeacherServerTest.pool(10);

  @Test
  void theFeaturesTeacherTakesTheHeadAndRefusesChoicesItHasNot() {
    assertEquals("features-mlp", ServerMain.teacher("features", TeacherOptions.seed(1), List.of()).apply(POOL).name(),
        "success-rate by default, as benchmark and omr");
    assertEquals("features-mlp(utility)", ServerMain.teacher("features",
        new TeacherOptions(1, TeacherTarget.UTILITY, 0, null), List.of()).apply(POOL).name());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ServerMain.teacher("features", new TeacherOptions(1, null, 128, null), List.of()));
    assertTrue(e.getMessage().contains("--teacher djl"), e.getMessage());
  }

  @Test
  void aProviderGetsTheChoicesAndOneWithoutThemRefusesThem() {
    AtomicReference<TeacherOptions> got = new AtomicReference<>();
    UtilityPredictor made = FeaturePredictor.builder().build();
    TeacherProvider withChoices = new TeacherProvider() {
      @Override
      public String name() {
        return "rich";
      }

      @Override
      public UtilityPredictor create(QuestionPool pool, long seed) {
        throw new AssertionError("the options are passed");
      }

      @Override
      public UtilityPredictor create(QuestionPool pool, TeacherOptions options) {
        got.set(options);
        return made;
      }
    };
    TeacherProvider seedOnly = new TeacherProvider() {
      @Override
      public String name() {
        return "plain";
      }

      @Override
      public UtilityPredictor create(QuestionPool pool, long seed) {
        return made;
      }
    };
    TeacherOptions o = new TeacherOptions(4, TeacherTarget.UTILITY, 64, Path.of("model-dir"));
    assertSame(made, ServerMain.teacher("rich", o, List.of(seedOnly, withChoices)).apply(POOL));
    assertEquals(o, got.get());
    assertSame(made, ServerMain.teacher("plain", TeacherOptions.seed(4), List.of(seedOnly)).apply(POOL));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ServerMain.teacher("plain", o, List.of(seedOnly)).apply(POOL));
    assertTrue(e.getMessage().contains("'plain' takes no head"), e.getMessage());
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> ServerMain.teacher("djl", o, List.of(seedOnly)));
    assertTrue(unknown.getMessage().contains("features, plain"), unknown.getMessage());
  }
}
