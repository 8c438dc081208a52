package io.testbot.adapters;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The registry of known adapters, by name. */
public final class Adapters {
    private Adapters() {}

    private static final Map<String, Adapter> BY_NAME = List.<Adapter>of(new RSpecAdapter(), new TestUnitAdapter(), new CucumberAdapter(), new CommandAdapter(), new JUnitAdapter()).stream()
            .collect(Collectors.toMap(Adapter::name, Function.identity()));

    public static Optional<Adapter> find(String name) {
        return Optional.ofNullable(name).map(BY_NAME::get);
    }

    public static Adapter get(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("unknown adapter '" + name + "' (known: " + String.join(", ", BY_NAME.keySet()) + ")"));
    }
}
