"""UHF RFID card readers (NEXUS/FAST): serial line profiles, the LLRP codec and client, drivers."""
