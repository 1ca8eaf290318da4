package org.callscheduler.call;

import java.time.DayOfWeek;
import java.util.EnumSet;
import java.util.List;

import org.callscheduler.policy.CallingWindow;

/** A calling window as the API reads and writes it: {@code {"start": "08:00", "end": "21:00", "days": ["MON", ...]}}. */
public record CallingWindowJson(String start, String end, List<String> days) {

    static CallingWindowJson from(CallingWindow window) {
        return new CallingWindowJson(window.start().toString(), window.end().toString(),
                EnumSet.copyOf(window.days()).stream().map(CallingWindowJson::dayName).toList());
    }

    static String dayName(DayOfWeek day) {
        return day.name().substring(0, 3);
    }
}
