"""Regenerate the shipped product-FAQ corpus (``faq_corpus.jsonl``, ``faq_queries.jsonl``, ``faq_qrels.tsv``).

Fictional products, deterministic output: ``python -m services.retrieval.data.build_faq``. The corpus is
Markdown (headings, lists, tables, code) with product codes, versions, error codes and numbers with units;
look-alike products share most wording, so exact tokens decide many queries, while paraphrased queries need
the dense retriever.
"""

from __future__ import annotations

from pathlib import Path

import orjson

HERE = Path(__file__).parent

PRODUCTS = [
    # key, name, model, sku, category, version, prev_version, error, weight, power
    ("ax3000", "AeroSync Router", "AX-3000", "SKU-4471", "router", "v2.3.1", "v2.2.8", "E-104", "480 g", "18 W"),
    ("ax1800", "AeroSync Mesh Node", "AX-1800", "SKU-4472", "router", "v2.1.4", "v2.0.9", "E-117", "310 g", "12 W"),
    ("nc200", "NimbusCam Indoor", "NC-200", "SKU-5120", "camera", "v1.8.0", "v1.7.3", "E-301", "140 g", "5 W"),
    ("nc400", "NimbusCam Outdoor", "NC-400", "SKU-5121", "camera", "v1.9.2", "v1.9.0", "E-318", "420 g", "7 W"),
    ("vd7", "VoltDock USB-C Hub", "VD-7", "SKU-6630", "dock", "v3.0.2", "v3.0.0", "E-207", "95 g", "100 W"),
    ("vd9", "VoltDock Thunderbolt Dock", "VD-9", "SKU-6631", "dock", "v3.1.0", "v3.0.5", "E-214", "520 g", "135 W"),
    ("qp2", "QuietPods Pro", "QP-2", "SKU-7710", "earbuds", "v4.2.0", "v4.1.6", "E-402", "52 g", "500 mAh"),
    ("pp550", "PixelPrint Laser", "PP-550", "SKU-8802", "printer", "v5.0.7", "v5.0.1", "E-551", "7.4 kg", "480 W"),
    ("ts10", "TerraScale Smart Scale", "TS-10", "SKU-9015", "scale", "v1.0.6", "v1.0.2", "E-610", "1.6 kg", "4 x AAA"),
    ("lb60", "LumaBulb Color", "LB-60", "SKU-3304", "bulb", "v1.2.9", "v1.2.4", "E-703", "60 g", "9 W"),
    ("tl4", "ThermoLoop Thermostat", "TL-4", "SKU-2209", "thermostat", "v6.4.1", "v6.3.0", "E-812", "210 g", "24 V"),
    ("cv2", "CloudVault NAS", "CV-2", "SKU-1187", "nas", "v7.2.0", "v7.1.2", "E-905", "2.1 kg", "65 W"),
]

SETUP = {
    "router": ["Connect the WAN port to your modem with the supplied Ethernet cable.",
               "Power on and wait until the status light turns solid white.",
               "Open the companion app and scan the QR code on the base.",
               "Choose a network name and a Wi-Fi password of at least 12 characters."],
    "camera": ["Mount the camera and connect the power adapter.",
               "Hold the reset button for 5 seconds until the light blinks blue.",
               "Add the camera in the app and join it to a 2.4 GHz Wi-Fi network.",
               "Set motion zones so passing cars do not trigger alerts."],
    "dock": ["Plug the dock into a USB-C or Thunderbolt port on your laptop.",
             "Connect the power brick before attaching monitors.",
             "Install the display driver if you use two external screens.",
             "Update the dock firmware from the updater tool."],
    "earbuds": ["Open the charging case near your phone.",
                "Press and hold the case button for 3 seconds to enter pairing mode.",
                "Select the earbuds in your phone's Bluetooth settings.",
                "Choose an ear tip size that seals well for noise cancellation."],
    "printer": ["Remove all orange shipping tape and the toner seal.",
                "Load plain paper, up to 250 sheets, into the tray.",
                "Connect the printer to Wi-Fi from the touch panel.",
                "Install the driver package on each computer that prints."],
    "scale": ["Insert the batteries and place the scale on a hard, flat floor.",
              "Step on barefoot so the body composition sensors work.",
              "Create a profile for each person in the app.",
              "Sync measurements over Bluetooth after each weigh-in."],
    "bulb": ["Screw the bulb into a standard E27 socket and switch the light on.",
             "Toggle the wall switch off and on three times to enter pairing mode.",
             "Add the bulb in the app and name the room.",
             "Create scenes and schedules for warm or cool light."],
    "thermostat": ["Turn off power to the heating system at the breaker.",
                   "Label the wires from the old thermostat, then connect them to matching terminals.",
                   "Attach the C wire for continuous power if your system has one.",
                   "Restore power and follow the on-screen wizard to pick heat pump or furnace."],
    "nas": ["Insert the drives into the bays and lock the trays.",
            "Connect the NAS to your router and power it on.",
            "Open the web console and create a storage pool with RAID 1 or RAID 5.",
            "Enable scheduled snapshots and an off-site backup target."],
}

ISSUES = {
    "router": [("Slow Wi-Fi in distant rooms", "Move the unit to a central, raised spot away from microwaves. Add a mesh node if walls are thick."),
               ("Internet drops every evening", "Check for channel congestion and enable automatic channel selection. Restart the modem if the WAN light is amber.")],
    "camera": [("Blurry image at night", "Clean the lens and turn on infrared night vision. Avoid pointing the camera through a window, which reflects the infrared light."),
               ("Camera goes offline", "Make sure the signal strength is above -70 dBm and the camera uses the 2.4 GHz band.")],
    "dock": [("External monitor stays black", "Use a cable rated for the resolution and check that the laptop port supports DisplayPort Alt Mode."),
             ("Laptop does not charge through the dock", "Use the original power brick; a weaker adapter cannot pass enough power to the laptop.")],
    "earbuds": [("One earbud has no sound", "Put both earbuds back in the case for 10 seconds and reset the pairing."),
                ("Noise cancellation feels weak", "Try a larger ear tip and run the fit test in the app.")],
    "printer": [("Paper jams in the tray", "Fan the paper stack before loading and do not overfill the tray."),
                ("Faded or streaky prints", "Shake the toner cartridge gently and clean the drum unit.")],
    "scale": [("Weight readings jump between steps", "Place the scale on a hard floor, not on carpet, and recalibrate by stepping on and off."),
              ("Measurements do not sync", "Enable Bluetooth permissions for the app and keep the phone within 5 meters.")],
    "bulb": [("Bulb flickers when dimmed", "Dimmer switches are not supported; keep the wall switch at full power and dim from the app."),
             ("Bulb will not pair", "Reset the bulb with the on-off sequence and make sure your Wi-Fi is 2.4 GHz.")],
    "thermostat": [("Heating runs constantly", "Check the wiring of the W1 terminal and confirm the system type in settings."),
                   ("Display goes blank", "The thermostat may lack a C wire; install the power adapter kit.")],
    "nas": [("Volume is degraded", "A drive has failed or was removed. Replace it with the same or larger capacity and start a repair."),
            ("Shared folder is slow over Wi-Fi", "Use a wired connection and enable SMB multichannel.")],
}

CHANGES = {
    "router": ["WPA3 support for older clients", "faster roaming between nodes", "fixed a memory leak in the DHCP server"],
    "camera": ["person detection on the device", "lower bitrate for cloud clips", "fixed night mode switching too early"],
    "dock": ["support for two 4K monitors at 60 Hz", "better charging negotiation", "fixed Ethernet dropping after sleep"],
    "earbuds": ["multipoint pairing with two phones", "improved call microphones", "fixed battery level reporting"],
    "printer": ["duplex printing speed improvements", "AirPrint reliability fixes", "toner saving mode"],
    "scale": ["athlete mode for body fat", "faster Bluetooth sync", "fixed unit switching between kg and lb"],
    "bulb": ["sunrise alarm scenes", "smoother dimming curve", "fixed colour drift at low brightness"],
    "thermostat": ["adaptive recovery before schedules", "heat pump balance setting", "fixed humidity sensor offset"],
    "nas": ["immutable snapshots against ransomware", "faster RAID rebuild", "fixed SMB permission inheritance"],
}


def documents() -> list[dict]:
    docs = []
    for key, name, model, sku, cat, ver, prev, err, weight, power in PRODUCTS:
        steps = "\n".join(f"{i}. {s}" for i, s in enumerate(SETUP[cat], 1))
        docs.append({"_id": f"{key}-setup", "title": f"Getting started with the {name} {model}",
                     "text": f"# Getting started with the {name} {model}\n\n"
                             f"The {name} ({model}, order code {sku}) ships with firmware {ver}.\n\n"
                             f"## Requirements\n\n- The companion app, version 5 or later\n- A 2.4 GHz or 5 GHz Wi-Fi network\n"
                             f"- About 15 minutes\n\n## Setup steps\n\n{steps}\n\n"
                             f"## Tips\n\nKeep the box: the serial number label is needed for warranty claims on {sku}."})
        issues = "\n\n".join(f"### {t}\n\n{body}" for t, body in ISSUES[cat])
        docs.append({"_id": f"{key}-troubleshooting", "title": f"Troubleshooting the {name} {model}",
                     "text": f"# Troubleshooting the {name} {model}\n\n## Common problems\n\n{issues}\n\n"
                             f"## Error codes\n\nError {err} means the device could not reach the update server. "
                             f"Check the internet connection, then retry the update to {ver}. "
                             f"If {err} persists after a factory reset, contact support with your order code {sku}."})
        docs.append({"_id": f"{key}-specs", "title": f"{name} {model} specifications",
                     "text": f"# {name} {model} specifications\n\n| Specification | Value |\n|---|---|\n"
                             f"| Model | {model} |\n| Order code | {sku} |\n| Weight | {weight} |\n| Power | {power} |\n"
                             f"| Current firmware | {ver} |\n| Warranty | 2 years |\n\n"
                             f"Specifications of the {name} may change with hardware revisions."})
        changes = "\n".join(f"- {c}" for c in CHANGES[cat])
        docs.append({"_id": f"{key}-release", "title": f"{name} {model} release notes",
                     "text": f"# {name} {model} release notes\n\n## Firmware {ver}\n\n{changes}\n\n"
                             f"## Firmware {prev}\n\n- Stability improvements\n- Security patches\n\n"
                             f"## Updating\n\nUpdates install automatically at night. To force an update, run:\n\n"
                             f"```\nflywheel-device update --model {model} --to {ver}\n```"})
    docs.append({"_id": "policy-returns", "title": "Returns and refunds",
                 "text": "# Returns and refunds\n\nYou can return any product within 30 days of delivery for a full refund. "
                         "Items must include all accessories. Refunds reach your card within 5 to 10 business days.\n\n"
                         "## Damaged items\n\nReport shipping damage within 48 hours with photos of the box."})
    docs.append({"_id": "policy-warranty", "title": "Warranty policy",
                 "text": "# Warranty policy\n\nAll hardware carries a 2-year limited warranty against manufacturing defects. "
                         "Accidental damage, water damage and normal wear are not covered.\n\n"
                         "## Making a claim\n\nHave the serial number and proof of purchase ready, then open a claim in your account."})
    docs.append({"_id": "account-2fa", "title": "Two-factor authentication",
                 "text": "# Two-factor authentication\n\nProtect your account with an authenticator app. "
                         "Open Account > Security, choose Enable 2FA and scan the code. "
                         "Store the 10 recovery codes somewhere safe; each works once."})
    return docs


QUERIES = [
    # exact / rare-token queries
    ("q1", "what changed in firmware v2.3.1", ["ax3000-release"]),
    ("q2", "error E-214", ["vd9-troubleshooting"]),
    ("q3", "SKU-5121 weight", ["nc400-specs"]),
    ("q4", "warranty claim for SKU-4472", ["ax1800-setup"]),
    ("q5", "release notes v4.2.0", ["qp2-release"]),
    ("q6", "E-551 update failed", ["pp550-troubleshooting"]),
    ("q7", "135 W power", ["vd9-specs"]),
    ("q8", "VD-7 firmware update command", ["vd7-release"]),
    ("q9", "NC-200 setup", ["nc200-setup"]),
    ("q10", "TL-4 error E-812", ["tl4-troubleshooting"]),
    ("q11", "what is new in v7.2.0", ["cv2-release"]),
    ("q12", "SKU-3304 specifications", ["lb60-specs"]),
    ("q13", "v1.0.2 release notes", ["ts10-release"]),
    ("q14", "AX-1800 weight", ["ax1800-specs"]),
    ("q15", "E-301", ["nc200-troubleshooting"]),
    # natural-language / paraphrase queries
    ("q16", "my security camera picture is fuzzy after dark", ["nc200-troubleshooting", "nc400-troubleshooting"]),
    ("q17", "how do I send something back and get my money", ["policy-returns"]),
    ("q18", "earbuds only play in one ear", ["qp2-troubleshooting"]),
    ("q19", "monitor connected to the hub shows nothing", ["vd7-troubleshooting", "vd9-troubleshooting"]),
    ("q20", "printer pages come out pale with stripes", ["pp550-troubleshooting"]),
    ("q21", "is dropping my device in water covered", ["policy-warranty"]),
    ("q22", "light bulb blinks when I turn down the dimmer", ["lb60-troubleshooting"]),
    ("q23", "how to wire a new thermostat", ["tl4-setup"]),
    ("q24", "set up a login code app for extra account security", ["account-2fa"]),
    ("q25", "bathroom scale gives a different number each time", ["ts10-troubleshooting"]),
    ("q26", "storage pool says a disk failed", ["cv2-troubleshooting"]),
    ("q27", "wifi is weak in the bedroom far from the router", ["ax3000-troubleshooting", "ax1800-troubleshooting"]),
    ("q28", "laptop battery not charging when plugged into the docking station", ["vd7-troubleshooting", "vd9-troubleshooting"]),
    ("q29", "connect wireless earphones to my phone", ["qp2-setup"]),
    ("q30", "protect files from ransomware", ["cv2-release"]),
    ("q31", "heater keeps running all the time", ["tl4-troubleshooting"]),
    ("q32", "paper keeps getting stuck", ["pp550-troubleshooting"]),
    # mixed
    ("q33", "QP-2 noise cancelling is weak", ["qp2-troubleshooting"]),
    ("q34", "NC-400 camera keeps disconnecting from wifi", ["nc400-troubleshooting"]),
    ("q35", "two 4K monitors on the VD-7", ["vd7-release"]),
    ("q36", "CV-2 RAID setup", ["cv2-setup"]),
]


def main() -> None:
    with (HERE / "faq_corpus.jsonl").open("wb") as fh:
        for d in documents():
            fh.write(orjson.dumps({**d, "content_type": "text/markdown"}) + b"\n")
    with (HERE / "faq_queries.jsonl").open("wb") as fh:
        for qid, text, _ in QUERIES:
            fh.write(orjson.dumps({"_id": qid, "text": text, "rare_token": int(qid[1:]) <= 15}) + b"\n")
    with (HERE / "faq_qrels.tsv").open("w", encoding="utf-8") as fh:
        fh.write("query-id\tcorpus-id\tscore\n")
        for qid, _, rel in QUERIES:
            for d in rel:
                fh.write(f"{qid}\t{d}\t1\n")


if __name__ == "__main__":
    main()
