package ai.goldilocks.core.sampler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.FeedbackStatus;
import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import ai.goldilocks.core.RolloutFeedback;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A host that picks its own questions hears about it once per sampler, with the id and the remedy. */
class NotHandedOutWarningTest {
  @Test
  void feedbackOnQuestionsNeverHandedOutIsWarnedOncePerSampler() {
    List<Question> qs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      qs.add(new Question("q" + i, "What is " + i + " + 1?"));
    }
    QuestionPool pool = QuestionPool.of(qs);
    Logger logger = (Logger) LoggerFactory.getLogger(AbstractSampler.class);
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    logger.addAppender(events);
    Level level = logger.getLevel();
    logger.setLevel(Level.WARN);
    try {
      for (int s = 0; s < 2; s++) {
        try (UniformSampler sampler = UniformSampler.builder(pool).build()) {
          for (int i = 0; i < 3; i++) {
            assertEquals(FeedbackStatus.IGNORED_NOT_HANDED_OUT,
                sampler.feedback(new RolloutFeedback("q" + (s * 10 + i), new double[] {1, 0}, 0)));
          }
          assertEquals(3, sampler.metrics().unsolicitedFeedback());
        }
      }
    } finally {
      logger.detachAppender(events);
      logger.setLevel(level);
    }
    assertEquals(2, events.list.size(), "once per sampler");
    ILoggingEvent first = events.list.get(0);
    assertEquals(Level.WARN, first.getLevel());
    String message = first.getFormattedMessage();
    assertTrue(message.contains("'q0'") && message.contains("markHandedOut") && message.contains("never handed it out"), message);
    assertTrue(events.list.get(1).getFormattedMessage().contains("'q10'"));
  }
}
