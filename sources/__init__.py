"""Cloud source systems as declarations: a package per system (declaration, client, mapping SQL); see registry."""
