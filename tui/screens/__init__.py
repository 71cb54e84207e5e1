"""The app's screens (Users, Posts, Tags, Migrations, Settings) and its modals."""
