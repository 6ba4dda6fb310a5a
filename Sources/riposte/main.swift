print("riposte")
