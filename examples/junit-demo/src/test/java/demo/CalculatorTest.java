package demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CalculatorTest {
    final Calculator calculator = new Calculator();

    @ParameterizedTest
    @CsvSource({"2, 3, 5", "-2, 2, 0"})
    void adds(int a, int b, int sum) {
        assertEquals(sum, calculator.add(a, b));
    }

    @Test
    void refusesToDivideByZero() {
        assertThrows(ArithmeticException.class, () -> calculator.divide(1, 0));
    }
}
