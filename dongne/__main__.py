from dongne.cli import app

app(prog_name="dongne")
