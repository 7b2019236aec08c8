package ai.goldilocks.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.goldilocks.core.Question;
import ai.goldilocks.core.QuestionPool;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The teacher comparison arms of {@code simulate} (issue 28): the DJL teacher and the feature teacher in a world. */
class SimulateTeachersTest {
  @Test
  void theDjlAndFeatureTeachersRunTheReducedProtocolInAWorld() {
    System.setProperty("java.awt.headless", "true");
    java.io.PrintStream stdout = System.out;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      assertEquals(0, new CommandLine(new Main()).execute("simulate", "--family", "--worlds", "rare-tokens", "--max-questions", "1000",
          "--seeds", "1", "--steps", "4", "--samplers", "uniform,oracle,goldilocks-w1024,goldilocks-djl-w1024,ablation-no-recent-offset",
          "--json"));
    } finally {
      System.setOut(stdout);
    }
    JsonObject out = JsonParser.parseString(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).getAsJsonObject();
    JsonObject samplers = out.getAsJsonObject("worlds").getAsJsonObject("rare-tokens").getAsJsonObject("samplers");
    for (String s : List.of("goldilocks-w1024", "goldilocks-djl-w1024", "ablation-no-recent-offset")) {
      JsonObject m = samplers.getAsJsonObject(s);
      assertEquals(4.0, m.get("updates").getAsDouble(), s + ": every step ran");
      assertEquals(2.0, m.get("teacherUpdates").getAsDouble(), s + ": 128 picks, an update every 64");
      double ratio = m.get("oracleUtilityRatio").getAsDouble();
      assertTrue(ratio > 0 && ratio <= 1 + 1e-9, s + " " + ratio);
      assertTrue(Double.isFinite(m.get("teacherMaeUnseen").getAsDouble()), s + " " + m);
    }
  }

  @Test
  void theDjlTeachersAlphabetIsThePoolsCharactersInOrderOfFirstUse() {
    QuestionPool pool = QuestionPool.of(List.of(new Question("a", "ab+1"), new Question("b", "b1c?")));
    assertEquals("ab+1c?", SimulateCommand.alphabet(pool));
  }
}
