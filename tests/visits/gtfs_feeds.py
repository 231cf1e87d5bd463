"""Small GTFS feeds written by hand, one edge case each, and the real ones beside the project."""

import textwrap
import zipfile
from pathlib import Path

REAL_FEEDS = Path(__file__).resolve().parents[3] / "shared" / "data" / "gtfs"
NEWPORT = REAL_FEEDS / "uk_newport_20230613_gtfs.zip"

# A prison at 51.5000,-3.0000; the stop "Prison Gate" is 56 m away (a 1 minute walk).
PRISON_LAT, PRISON_LON = 51.5, -3.0

AGENCY = """
    agency_id,agency_name,agency_url,agency_timezone
    BUS,Valley Buses,https://example.org,Europe/London
"""
STOPS = """
    stop_id,stop_code,stop_name,stop_lat,stop_lon,location_type
    GATE,g1,Prison Gate,51.5005,-3.0000,
    TOWN,t1,Town Centre,51.6000,-3.0000,
    MID,m1,Market Square,51.5500,-3.0000,
    MIDB,m2,Market Square North,51.5509,-3.0000,
    STN,,Valley Station,51.6001,-3.0001,1
"""
ROUTES = """
    route_id,agency_id,route_short_name,route_long_name,route_type
    R24,BUS,24,Town - Prison,3
    RA,BUS,A,Town - Market,3
    RB,BUS,B,Market - Prison,3
"""
# Every day from 1 January 2026 to 31 December 2027.
CALENDAR = """
    service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
    ALL,1,1,1,1,1,1,1,20260101,20271231
"""
TRIPS = """
    route_id,service_id,trip_id,trip_headsign
    R24,ALL,IN1,Prison
    R24,ALL,OUT1,Town Centre
"""
# Bus 24 reaches the prison gate at 13:32 and leaves it for town at 16:12.
STOP_TIMES = """
    trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type
    IN1,13:00:00,13:00:00,TOWN,1,0,1
    IN1,13:32:00,13:32:00,GATE,2,1,0
    OUT1,16:12:00,16:12:00,GATE,1,0,1
    OUT1,16:44:00,16:44:00,TOWN,2,1,0
"""

FILES = {
    "agency.txt": AGENCY,
    "stops.txt": STOPS,
    "routes.txt": ROUTES,
    "calendar.txt": CALENDAR,
    "trips.txt": TRIPS,
    "stop_times.txt": STOP_TIMES,
}


def write_feed(folder: Path, as_zip: bool = False, **files) -> Path:
    """The base feed with files replaced (stop_times="..."), or left out (calendar=None)."""
    contents = dict(FILES)
    for name, text in files.items():
        contents[f"{name}.txt"] = text
    folder.mkdir(parents=True, exist_ok=True)
    texts = {
        name: textwrap.dedent(text).strip() + "\n"
        for name, text in contents.items()
        if text is not None
    }
    if as_zip:
        path = folder.with_suffix(".zip")
        with zipfile.ZipFile(path, "w") as archive:
            for name, text in texts.items():
                archive.writestr(name, text)
        return path
    for name, text in texts.items():
        (folder / name).write_text(text)
    return folder
