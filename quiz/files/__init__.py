"""Files out and in: winner lists, the XLSX writer, guarded cells, the results import. No Flask here."""
