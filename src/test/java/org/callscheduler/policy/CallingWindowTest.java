package org.callscheduler.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** Calling windows in the callee's zone, across midnight, on some days, and across daylight-saving changes. */
class CallingWindowTest {

    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    private static final ZoneId LONDON = ZoneId.of("Europe/London");
    private static final ZoneId CHICAGO = ZoneId.of("America/Chicago");

    private final CallingWindow dayTime = CallingWindow.parse("08:00-21:00");

    @Test
    void aCallDueInsideTheWindowMayGoAtOnce() {
        Instant noonInNewYork = Instant.parse("2026-11-30T17:00:00Z");
        assertTrue(dayTime.isOpen(noonInNewYork, NEW_YORK));
        assertEquals(Optional.of(noonInNewYork), dayTime.nextOpening(noonInNewYork, NEW_YORK));
    }

    @Test
    void aCallDueAtNightWaitsForTheMorningInTheCalleesZone() {
        Instant lateInNewYork = Instant.parse("2026-12-01T03:00:00Z"); // 22:00 on Nov 30 in New York
        assertFalse(dayTime.isOpen(lateInNewYork, NEW_YORK));
        assertEquals(Instant.parse("2026-12-01T13:00:00Z"), dayTime.nextOpening(lateInNewYork, NEW_YORK).orElseThrow());
        // The same instant is 03:00 in London: it opens at 08:00 there.
        assertEquals(Instant.parse("2026-12-01T08:00:00Z"), dayTime.nextOpening(lateInNewYork, LONDON).orElseThrow());
    }

    @Test
    void theEndOfTheWindowIsClosed() {
        Instant nineInTheEvening = Instant.parse("2026-12-01T02:00:00Z"); // 21:00 in New York
        assertFalse(dayTime.isOpen(nineInTheEvening, NEW_YORK));
        assertTrue(dayTime.isOpen(nineInTheEvening.minusSeconds(1), NEW_YORK));
    }

    @Test
    void aWindowAcrossMidnightBelongsToTheDayItOpens() {
        CallingWindow night = CallingWindow.parse("22:00-06:00 FRI");
        // Saturday 02:00 in London: inside Friday's window.
        assertTrue(night.isOpen(Instant.parse("2026-12-05T02:00:00Z"), LONDON));
        // Saturday 07:00: closed until next Friday 22:00.
        assertEquals(Instant.parse("2026-12-11T22:00:00Z"),
                night.nextOpening(Instant.parse("2026-12-05T07:00:00Z"), LONDON).orElseThrow());
    }

    @Test
    void weekdaysOnlyWaitsOverTheWeekend() {
        CallingWindow weekdays = CallingWindow.parse("09:00-17:00 MON-FRI");
        Instant saturdayNoon = Instant.parse("2026-12-05T12:00:00Z");
        assertEquals(Instant.parse("2026-12-07T09:00:00Z"), weekdays.nextOpening(saturdayNoon, LONDON).orElseThrow());
        assertEquals(EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), weekdays.days());
        assertEquals("09:00-17:00 MON,TUE,WED,THU,FRI", weekdays.toString());
    }

    @Test
    void anOpeningThatDoesNotExistInTheSpringGapIsTheMomentTheClocksJump() {
        CallingWindow early = CallingWindow.parse("02:30-05:00");
        // New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT (07:00Z).
        assertEquals(Instant.parse("2026-03-08T07:00:00Z"),
                early.nextOpening(Instant.parse("2026-03-08T05:00:00Z"), NEW_YORK).orElseThrow());
        // London, 29 March 2026: 01:00 GMT jumps to 02:00 BST (01:00Z).
        CallingWindow london = CallingWindow.parse("01:30-04:00");
        assertEquals(Instant.parse("2026-03-29T01:00:00Z"),
                london.nextOpening(Instant.parse("2026-03-29T00:00:00Z"), LONDON).orElseThrow());
    }

    @Test
    void anOpeningThatHappensTwiceInTheAutumnOverlapIsTheFirst() {
        CallingWindow early = CallingWindow.parse("01:30-05:00");
        // New York, 1 November 2026: 01:30 EDT (05:30Z) and again 01:30 EST (06:30Z).
        assertEquals(Instant.parse("2026-11-01T05:30:00Z"),
                early.nextOpening(Instant.parse("2026-11-01T03:00:00Z"), NEW_YORK).orElseThrow());
        // London, 25 October 2026: 01:30 BST (00:30Z) and again 01:30 GMT (01:30Z).
        assertEquals(Instant.parse("2026-10-25T00:30:00Z"),
                early.nextOpening(Instant.parse("2026-10-24T23:00:00Z"), LONDON).orElseThrow());
    }

    @Test
    void aWindowIsTheSameLocalHoursOnBothSidesOfAChange() {
        // 08:00 in New York is 13:00Z on Saturday 7 March (EST) and 12:00Z on Monday 9 March (EDT).
        assertEquals(Instant.parse("2026-03-07T13:00:00Z"),
                dayTime.nextOpening(Instant.parse("2026-03-07T06:00:00Z"), NEW_YORK).orElseThrow());
        assertEquals(Instant.parse("2026-03-09T12:00:00Z"),
                dayTime.nextOpening(Instant.parse("2026-03-09T06:00:00Z"), NEW_YORK).orElseThrow());
    }

    @Test
    void inEveryZoneOfACountryTheWindowOpensWhenItIsOpenInAll() {
        // 07:00 in New York is 06:00 in Chicago: open in both from 08:00 Chicago (14:00Z), not 08:00 New York.
        Instant sevenInNewYork = Instant.parse("2026-12-01T12:00:00Z");
        assertEquals(Instant.parse("2026-12-01T14:00:00Z"),
                dayTime.nextOpeningInAll(sevenInNewYork, List.of(NEW_YORK, CHICAGO)).orElseThrow());
        // Windows that never overlap: none.
        CallingWindow short1 = CallingWindow.parse("08:00-09:00");
        assertTrue(short1.nextOpeningInAll(sevenInNewYork, List.of(NEW_YORK, ZoneId.of("Asia/Tokyo"))).isEmpty());
    }

    @Test
    void badWindowsAreRefusedWithTheReason() {
        assertThrows(IllegalArgumentException.class, () -> CallingWindow.parse("8-21"));
        assertThrows(IllegalArgumentException.class, () -> CallingWindow.parse("08:00-24:00"));
        assertThrows(IllegalArgumentException.class, () -> CallingWindow.parse("08:00-08:00"));
        assertThrows(IllegalArgumentException.class, () -> CallingWindow.parse("08:00-21:00 MONDAY"));
        assertEquals(LocalTime.of(23, 59), CallingWindow.time("23:59"));
    }
}
